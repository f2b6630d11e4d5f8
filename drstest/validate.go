package drstest

import (
	"net/http"
	"strings"

	"github.com/drsclient/drs-precheck/contract"
)

// violationError maps a request's contract violation to the answer DRS
// gives: the status, error code and message.
func violationError(v *contract.Violation) (status int, code, msg string) {
	field := violationField(v)
	switch v.Rule {
	case "security":
		return http.StatusUnauthorized, codeAuth, msgAuth + ": " + v.Reason
	case "required", "minItems", "minLength":
		return http.StatusBadRequest, codeEmpty, msgEmpty(field)
	case "uniqueItems":
		return http.StatusBadRequest, codeDuplicate, msgDuplicate(field)
	case "requestBody":
		if strings.Contains(v.Reason, "value is required but missing") {
			return http.StatusBadRequest, codeEmpty, msgEmpty("jobs")
		}
	}
	return http.StatusBadRequest, codeInvalid, msgInvalid(field)
}

// violationField names the parameter a violation is about, as DRS's messages
// do: the property name ("job_id", "jobs"), a header name ("X-Language") or
// "body".
func violationField(v *contract.Violation) string {
	f := v.Field
	switch {
	case strings.HasPrefix(f, "header "):
		name, _, _ := strings.Cut(strings.TrimPrefix(f, "header "), " ")
		return name
	case strings.HasPrefix(f, "path "), strings.HasPrefix(f, "query "):
		_, rest, _ := strings.Cut(f, " ")
		name, _, _ := strings.Cut(rest, " ")
		return name
	case f == "body":
		if strings.Contains(v.Reason, "Content-Type") {
			return "Content-Type"
		}
		return "body"
	case strings.HasPrefix(f, "/"):
		if v.Rule == "properties" || v.Rule == "additionalProperties" {
			if name, ok := quoted(v.Reason); ok {
				return name
			}
		}
		segs := strings.Split(strings.Trim(f, "/"), "/")
		for i := len(segs) - 1; i >= 0; i-- {
			if s := segs[i]; s != "" && !isIndex(s) && len(s) <= 64 {
				return unescapePointer(s)
			}
		}
	}
	return "body"
}

// quoted returns the first double-quoted word of s (kin-openapi quotes the
// name of an unsupported property), capped in length since it comes from the
// request.
func quoted(s string) (string, bool) {
	_, rest, ok := strings.Cut(s, `"`)
	if !ok {
		return "", false
	}
	name, _, ok := strings.Cut(rest, `"`)
	if !ok || name == "" || len(name) > 64 {
		return "", false
	}
	return name, true
}

func isIndex(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// unescapePointer decodes a JSON pointer segment (RFC 6901).
func unescapePointer(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
}
