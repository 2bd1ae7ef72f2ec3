package sessionlog

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// trimText keeps at most maxLines lines and maxBytes bytes of s and says
// how much was left out.
func trimText(s string, maxLines, maxBytes int) string {
	s = strings.TrimRight(s, "\n")
	total := len(s)
	lines := strings.Count(s, "\n") + 1
	cut := s
	if len(cut) > maxBytes {
		cut = cut[:maxBytes]
		for len(cut) > 0 && !utf8.ValidString(cut) {
			cut = cut[:len(cut)-1]
		}
	}
	if n := strings.Count(cut, "\n") + 1; n > maxLines {
		i := 0
		for k := 0; k < maxLines; k++ {
			i += strings.IndexByte(cut[i:], '\n') + 1
		}
		cut = cut[:i-1]
	}
	if len(cut) == total {
		return s
	}
	kept := strings.Count(cut, "\n") + 1
	return fmt.Sprintf("%s\n… %d more lines, %d more bytes", cut, lines-kept, total-len(cut))
}

// fenced puts s in a code fence longer than any run of backticks inside.
func fenced(s, lang string) string {
	fence := "```"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	return fence + lang + "\n" + strings.TrimRight(s, "\n") + "\n" + fence + "\n"
}

// code renders s as inline code.
func code(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// mdInline makes s safe on one Markdown line.
func mdInline(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// mdCell makes s safe in a table cell.
func mdCell(s string) string { return strings.ReplaceAll(mdInline(s), "|", `\|`) }
