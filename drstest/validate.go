package drstest

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/drsclient/drs-precheck/contract"
)

// violationError maps a request's contract violation to DRS's answer.
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
// do: a property ("job_id"), a header ("X-Language"), or "body". Names from
// the request are capped at 64 bytes.
func violationField(v *contract.Violation) string {
	kind, rest, _ := strings.Cut(v.Field, " ")
	switch {
	case kind == "header" || kind == "path" || kind == "query":
		name, _, _ := strings.Cut(rest, " ")
		return name
	case v.Field == "body" && strings.Contains(v.Reason, "Content-Type"):
		return "Content-Type"
	case !strings.HasPrefix(v.Field, "/"):
		return "body"
	}
	if v.Rule == "properties" || v.Rule == "additionalProperties" {
		// kin-openapi quotes the name of an unsupported property
		if _, rest, ok := strings.Cut(v.Reason, `"`); ok {
			if name, _, ok := strings.Cut(rest, `"`); ok && name != "" && len(name) <= 64 {
				return name
			}
		}
	}
	segs := strings.Split(v.Field, "/")
	for i := len(segs) - 1; i >= 0; i-- {
		if _, err := strconv.Atoi(segs[i]); err != nil && segs[i] != "" && len(segs[i]) <= 64 {
			return strings.NewReplacer("~1", "/", "~0", "~").Replace(segs[i])
		}
	}
	return "body"
}
