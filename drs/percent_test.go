package drs

import (
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParsePercent(t *testing.T) {
	ok := []struct {
		in   string
		want float64
	}{
		{"100%", 100},
		{"40%", 40},
		{"12.5%", 12.5},
		{" 7 %", 7},
		{"0%", 0},
		{"100", 100},
		{"100.00%", 100},
		{"007%", 7},
		{".5%", 0.5},
		{"5.%", 5},
		{"\t33%\n", 33},
		{"50％", 50},
	}
	for _, c := range ok {
		got, known, err := ParsePercent("process", c.in)
		if err != nil || !known || got != c.want {
			t.Errorf("ParsePercent(%q) = %v, %v, %v; want %v, true, nil", c.in, got, known, err, c.want)
		}
	}

	for _, blank := range []string{"", " ", "\t"} {
		got, known, err := ParsePercent("process", blank)
		if err != nil || known || got != 0 {
			t.Errorf("ParsePercent(%q) = %v, %v, %v; want 0, false, nil", blank, got, known, err)
		}
	}

	bad := []struct{ in, reason string }{
		{"abc%", "unexpected character 'a'"},
		{"%", "no number"},
		{" % ", "no number"},
		{"100%%", "unexpected character '%'"},
		{"-5%", "unexpected character '-'"},
		{"+5%", "unexpected character '+'"},
		{"150%", "above 100"},
		{"100.0001%", "above 100"},
		{"1e2%", "unexpected character 'e'"},
		{"NaN", "unexpected character 'N'"},
		{"Inf%", "unexpected character 'I'"},
		{"0x10%", "unexpected character 'x'"},
		{"1,5%", "unexpected character ','"},
		{"1_0%", "unexpected character '_'"},
		{"1.2.3%", "malformed number"},
		{".%", "malformed number"},
		{"4 0%", "unexpected character ' '"},
		{"%40", "unexpected character '%'"},
		{"40 percent", "unexpected character ' '"},
		{"١٠٠%", "unexpected character '١'"},
		{strings.Repeat("1", 65), "too long"},
	}
	for _, c := range bad {
		got, known, err := ParsePercent("process", c.in)
		var pe *PercentError
		if !errors.As(err, &pe) {
			t.Errorf("ParsePercent(%q) = %v, %v, %v; want a *PercentError", c.in, got, known, err)
			continue
		}
		if known || got != 0 {
			t.Errorf("ParsePercent(%q) returned %v, %v with an error; want 0, false", c.in, got, known)
		}
		if pe.Field != "process" || pe.Value != c.in || pe.Reason != c.reason {
			t.Errorf("ParsePercent(%q) error = %+v; want field process, value as sent, reason %q", c.in, pe, c.reason)
		}
	}

	_, _, err := ParsePercent("process", "abc%")
	if got, want := err.Error(), `process "abc%" is not a percentage (unexpected character 'a')`; got != want {
		t.Errorf("error text = %q; want %q", got, want)
	}
	_, _, err = ParsePercent("total_passed_rate", "x")
	if !strings.HasPrefix(err.Error(), `total_passed_rate "x" is not a percentage`) {
		t.Errorf("error text = %q; want it to name the field", err)
	}
}

// FuzzParsePercent: ParsePercent never panics; what it accepts is a finite
// number in [0, 100] that reads back the same after formatting; what it
// rejects is a *PercentError quoting the input unchanged.
func FuzzParsePercent(f *testing.F) {
	for _, s := range []string{"100%", "40%", "12.5%", " 7 %", "", "abc%", "150%", "-1%", "1e2%", "NaN", "99.999999999999999999%", "50％"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, known, err := ParsePercent("process", s)
		if err != nil {
			var pe *PercentError
			if !errors.As(err, &pe) || pe.Value != s || pe.Field != "process" {
				t.Fatalf("ParsePercent(%q) error %v is not a *PercentError quoting the input", s, err)
			}
			if known || v != 0 {
				t.Fatalf("ParsePercent(%q) = %v, %v with error %v", s, v, known, err)
			}
			if utf8.ValidString(s) && !strings.Contains(err.Error(), "is not a percentage") {
				t.Fatalf("error text %q does not say what is wrong", err)
			}
			return
		}
		if !known {
			if strings.TrimSpace(s) != "" || v != 0 {
				t.Fatalf("ParsePercent(%q) = %v, unknown, nil; only blank input is unknown", s, v)
			}
			return
		}
		if math.IsNaN(v) || v < 0 || v > 100 {
			t.Fatalf("ParsePercent(%q) = %v, outside [0, 100]", s, v)
		}
		back, known2, err := ParsePercent("process", formatPercent(v))
		if err != nil || !known2 || back != v {
			t.Fatalf("round trip of %q: %v -> %q -> %v, %v, %v", s, v, formatPercent(v), back, known2, err)
		}
	})
}
