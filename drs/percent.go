package drs

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// PercentError reports a percent string from DRS that is not a percentage, for
// example a pre-check whose progress reads "abc%". It names the response field
// and quotes the value as received, so the message can be matched against the
// raw response (and quoted to Huawei support) without guessing.
//
// A malformed percent is never read as zero: a progress of zero would make a
// waiter poll forever, and a pass rate of zero would look like a real answer.
type PercentError struct {
	// Field is the response field, e.g. "process" or "total_passed_rate".
	Field string
	// Value is the string DRS sent, unchanged.
	Value string
	// Reason says what is wrong with it, e.g. "above 100".
	Reason string
}

func (e *PercentError) Error() string {
	msg := fmt.Sprintf("%s %q is not a percentage", e.Field, e.Value)
	if e.Reason != "" {
		msg += " (" + e.Reason + ")"
	}
	return msg
}

// maxPercentLen bounds what is parsed: DRS sends a handful of characters; a
// kilobyte of digits is a broken response, not a percentage.
const maxPercentLen = 64

// ParsePercent reads a percent string as DRS sends it in the pre-check results
// (fields "process" and "total_passed_rate") and returns it as a number in
// [0, 100]. Huawei documents these fields only by example ("100%"), so the
// parser is deliberately lenient about form and strict about meaning:
//
//   - surrounding white space and white space before the sign are ignored:
//     "40%", " 7 %", "12.5%", "100.00%" and a bare "100" are all accepted;
//     the full-width sign "％" (as a zh-cn answer may carry) is accepted too;
//   - the number is plain decimal: digits with at most one decimal point; no
//     sign, exponent, thousands separator, hex, "NaN" or "Inf";
//   - the value must lie in [0, 100].
//
// A blank string means DRS has not reported the value yet: ParsePercent
// returns ok == false and a nil error, and the caller decides what "not yet"
// means (for progress it means 0). Anything else that is not a percentage is
// a *PercentError naming field and value. field is only used in the error.
func ParsePercent(field, s string) (pct float64, ok bool, err error) {
	bad := func(reason string) (float64, bool, error) {
		return 0, false, &PercentError{Field: field, Value: s, Reason: reason}
	}
	if len(s) > maxPercentLen {
		return bad("too long")
	}
	num := strings.TrimSpace(s)
	if num == "" {
		return 0, false, nil
	}
	if rest, found := strings.CutSuffix(num, "%"); found {
		num = strings.TrimSpace(rest)
	} else if rest, found := strings.CutSuffix(num, "％"); found {
		num = strings.TrimSpace(rest)
	}
	if num == "" {
		return bad("no number")
	}
	digits, dots := 0, 0
	for _, c := range num {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			return bad("unexpected character " + strconv.QuoteRune(c))
		}
	}
	if digits == 0 || dots > 1 {
		return bad("malformed number")
	}
	v, perr := strconv.ParseFloat(num, 64)
	if perr != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return bad("malformed number")
	}
	if v > 100 {
		return bad("above 100")
	}
	return v, true, nil
}

// formatPercent writes a percentage the way DRS does ("40%", "12.5%"), the
// shortest form that ParsePercent reads back as the same number.
func formatPercent(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64) + "%"
}
