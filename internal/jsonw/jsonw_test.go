package jsonw

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"
)

func marshal(t *testing.T, v any) string {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal(%#v): %v", v, err)
	}
	return string(j)
}

var stringSeeds = []string{
	"", "plain", `quote " backslash \ slash /`, "<a href='x'>&amp;</a>",
	"\x00\x01\x07\b\f\n\r\t\x1f\x7f", "\u2028\u2029", "é ü 日本 😀",
	"\xff", "a\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x80", "…",
}

func TestString(t *testing.T) {
	for _, s := range stringSeeds {
		if got, want := string(String(nil, s)), marshal(t, s); got != want {
			t.Errorf("String(%q) = %s, json.Marshal: %s", s, got, want)
		}
	}
}

func FuzzString(f *testing.F) {
	for _, s := range stringSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(String([]byte("x"), s)), "x"+marshal(t, s); got != want {
			t.Errorf("String(%q) = %s, json.Marshal: %s", s, got, want)
		}
	})
}

var floatSeeds = []float64{
	0, math.Copysign(0, -1), 1, -1, 0.1, 1.5, 1e-6, 9.99999e-7, 1e-7, 1.234e-9, 1e20, 1e21,
	123456789012345678901234.0, -1e21, 5e-324, math.MaxFloat64, 0.000123, 3.14159, 12.345,
}

func TestFloat(t *testing.T) {
	for _, f := range floatSeeds {
		got, err := Float(nil, f)
		if want := marshal(t, f); err != nil || string(got) != want {
			t.Errorf("Float(%v) = %s, %v; json.Marshal: %s", f, got, err, want)
		}
		if math.IsInf(float64(float32(f)), 0) {
			continue
		}
		got, err = Any(nil, float32(f))
		if want := marshal(t, float32(f)); err != nil || string(got) != want {
			t.Errorf("Any(float32(%v)) = %s, %v; json.Marshal: %s", f, got, err, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got, err := Float([]byte("x"), f); err == nil || string(got) != "x" {
			t.Errorf("Float(%v) = %s, %v; want an error and nothing written", f, got, err)
		}
	}
}

func FuzzFloat(f *testing.F) {
	for _, v := range floatSeeds {
		f.Add(math.Float64bits(v))
	}
	f.Fuzz(func(t *testing.T, bits uint64) {
		v := math.Float64frombits(bits)
		got, err := Float(nil, v)
		want, werr := json.Marshal(v)
		if (err != nil) != (werr != nil) || string(got) != string(want) {
			t.Errorf("Float(%v) = %s, %v; json.Marshal: %s, %v", v, got, err, want, werr)
		}
		v32 := math.Float32frombits(uint32(bits))
		got, err = Any(nil, v32)
		want, werr = json.Marshal(v32)
		if (err != nil) != (werr != nil) || string(got) != string(want) {
			t.Errorf("Any(float32 %v) = %s, %v; json.Marshal: %s, %v", v32, got, err, want, werr)
		}
	})
}

type named string

func TestAny(t *testing.T) {
	vals := []any{
		nil, "s<>", true, false, 3, int8(-8), int16(16), int32(-32), int64(math.MinInt64),
		uint(7), uint8(8), uint16(16), uint32(32), uint64(math.MaxUint64), 2.5, float32(0.1),
		[]string{"a", "<b>"}, []string(nil), []string{}, []any{1, "x", nil, []any{}},
		[]any(nil), map[string]string{"b": "2", "a": "1", "\u2028": "<"}, map[string]string(nil),
		map[string]any{"z": 1, "a": map[string]any{"k": []string{"v"}}, "m": nil},
		map[string]any(nil), map[string]any{}, named("n&"), json.Number("12"),
		struct{ A int }{1}, []int{1, 2}, map[string]int{"a": 1}, []byte("bytes"),
		&struct{}{}, json.RawMessage(`{"a" : 1}`),
	}
	for _, v := range vals {
		got, err := Any([]byte("x"), v)
		if want := "x" + marshal(t, v); err != nil || string(got) != want {
			t.Errorf("Any(%#v) = %s, %v; json.Marshal: %s", v, got, err, want)
		}
	}
	for _, v := range []any{math.NaN(), []any{1, math.Inf(1)}, map[string]any{"a": math.NaN()}, make(chan int), float32(math.Inf(-1))} {
		if got, err := Any([]byte("x"), v); err == nil || string(got) != "x" {
			t.Errorf("Any(%#v) = %s, %v; want an error and nothing written", v, got, err)
		}
	}
}

func FuzzAny(f *testing.F) {
	f.Add("k", "v", int64(1), 1.5, true)
	f.Add("<", "\xff\u2028", int64(-1), 1e-7, false)
	f.Fuzz(func(t *testing.T, k, s string, n int64, x float64, flag bool) {
		v := map[string]any{
			k: []any{s, n, x, flag, nil}, s: map[string]string{k: s}, "n": n, "x": x,
			"l": []string{k, s}, "u": uint64(n), "i32": int32(n), "f32": float32(x),
		}
		got, err := Any(nil, v)
		want, werr := json.Marshal(v)
		if (err != nil) != (werr != nil) || string(got) != string(want) {
			t.Errorf("Any(%#v) = %s, %v; json.Marshal: %s, %v", v, got, err, want, werr)
		}
	})
}

func FuzzUnquote(f *testing.F) {
	for _, s := range stringSeeds {
		raw, _ := json.Marshal(s)
		f.Add(string(raw))
	}
	for _, s := range []string{`"\ud83d\ude00"`, `"\ud83d"`, `"\ude00\ud83d"`, `"\ud83dx"`, `"\ud83d\u0041"`, `"\u00e9\/\b"`,
		`"\x"`, `"\"`, `"a"b"`, `"\u12"`, `"\U0041"`, "\"\t\"", `"\uDBFF\uDFFF"`, `""`, `"`, `x`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, ok := Unquote(raw)
		if !ok {
			return
		}
		var want string
		if err := json.Unmarshal([]byte(raw), &want); err != nil || got != want {
			t.Errorf("Unquote(%q) = %q; json.Unmarshal: %q, %v", raw, got, want, err)
		}
	})
}

func FuzzParseInt(f *testing.F) {
	for _, s := range []string{"0", "-0", "01", "1.0", "1e3", "-", "9223372036854775807", "9223372036854775808",
		"-9223372036854775808", "+1", " 1", "12a", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, ok := ParseInt(raw)
		var want int64
		err := json.Unmarshal([]byte(raw), &want)
		if ok && (err != nil || got != want) {
			t.Errorf("ParseInt(%q) = %d; json.Unmarshal: %d, %v", raw, got, want, err)
		}
		if !ok && err == nil && raw == strconv.FormatInt(want, 10) {
			t.Errorf("ParseInt(%q) refused what JSON writes", raw)
		}
		if n, ok := ParseIntN(raw); ok && int64(n) != got {
			t.Errorf("ParseIntN(%q) = %d, ParseInt %d", raw, n, got)
		}
	})
}

func TestUnquoteCommon(t *testing.T) {
	// What ccq's own writers produce must be read without the fallback.
	for _, s := range stringSeeds {
		raw := string(String(nil, s))
		got, ok := Unquote(raw)
		var want string
		_ = json.Unmarshal([]byte(raw), &want)
		if !ok || got != want {
			t.Errorf("Unquote(%s) = %q, %v; want %q", raw, got, ok, want)
		}
	}
}
