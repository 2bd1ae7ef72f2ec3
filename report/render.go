package report

import (
	"bytes"
	_ "embed"
	"html/template"
	"io"
	"sync"
)

// The page is one html/template with its style and script inlined, so the
// file opens from disk with no network at all. Both are ccq's own files
// (assets/), embedded at build time; user data (task names, error details,
// paths) reaches the page only through the template's escaping.

//go:embed assets/page.html.tmpl
var pageTmpl string

//go:embed assets/style.css
var styleCSS string

//go:embed assets/script.js
var scriptJS string

// pageTemplate is the parsed page, made on first use: every ccq command
// links this package, and only `ccq report` should pay for the parse.
var pageTemplate = sync.OnceValue(func() *template.Template {
	// csp is the page's Content-Security-Policy: nothing may be fetched,
	// and only the page's own style and script, by their hashes, may
	// apply. The escaping is what keeps user data inert; this is a second
	// wall behind it, and it keeps the page from ever touching the network.
	csp := "default-src 'none'; style-src '" + styleHash + "'; script-src '" + scriptHash +
		"'; base-uri 'none'; form-action 'none'"
	return template.Must(template.New("page").Funcs(template.FuncMap{
		// Our own embedded files, trusted as what they are.
		"style":  func() template.CSS { return template.CSS(styleCSS) },
		"script": func() template.JS { return template.JS(scriptJS) },
		"csp":    func() string { return csp },
	}).Parse(pageTmpl))
})

// The CSP hashes of the two embedded files, written out rather than
// computed: crypto/sha256 links Go's FIPS module, whose package
// initialisation every ccq start would pay for one page. TestCSPHashes
// checks them and prints the new values when a file changes.
const (
	styleHash  = "sha256-A1SUU7jm6CDA/m4yjnivUbvgTPZuK8wXaRkSfefbZls="
	scriptHash = "sha256-G8jDHVQGFDm2W2FZtWUr1INU5ZIbqm+Akuyzpwr6SSE="
)

// Write renders the page as one HTML document.
func (p *Page) Write(w io.Writer) error {
	// Render to memory first so a template error never leaves half a page.
	var b bytes.Buffer
	if err := pageTemplate().Execute(&b, p); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Generate builds the page for opt and writes it to w.
func Generate(w io.Writer, opt Options) error {
	p, err := Build(opt)
	if err != nil {
		return err
	}
	return p.Write(w)
}
