package drs

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"github.com/drsclient/drs-precheck/generated"
)

// opTemplate is one operation's request without its body, credentials and
// context, built once per client (in New) by the generated request builder:
// the method, the URL (the spec's path template with the project ID
// filled in, escaped and resolved against the endpoint exactly as the
// generated client does) and the header parameters (Content-Type,
// X-Language) all come from openapi.yaml through generated code. The client
// adds what it sends on every request (User-Agent) and the credentials'
// static, non-secret headers (X-Project-Id, or an empty slot for the
// token).
//
// Why not call the generated client per call: its builders parse the
// endpoint, format and parse the path and resolve one against the other on
// every request (about 13 allocations and 15% of the CPU time of a call,
// docs/BENCHMARKS.md), to arrive at the same URL every time. A call now
// copies the template (newRequest): the spec is still the only source of the
// URL and header shape, and the generated models still encode and decode the
// bodies.
type opTemplate struct {
	name   string
	method string
	url    url.URL // as http.NewRequest parsed it; User is nil (see parseEndpoint)
	// header is the template's headers, never modified after New: each
	// request gets its own copy of the values (newRequest).
	header   []headerField
	nheaders int // the number of values in header
}

// headerField is one header of a template, with a canonical key.
type headerField struct {
	key    string
	values []string
}

// newOpTemplate turns a request from a generated builder (with no body) into
// a template, adding the client's and the credentials' static headers.
func (c *Client) newOpTemplate(name string, req *http.Request) *opTemplate {
	h := req.Header.Clone()
	if h == nil {
		h = make(http.Header)
	}
	h[headerUserAgent] = []string{c.userAgent}
	c.auth.prepare(h)
	t := &opTemplate{name: name, method: req.Method, url: *req.URL}
	for _, k := range slices.Sorted(maps.Keys(h)) {
		t.header = append(t.header, headerField{key: k, values: h[k]})
		t.nheaders += len(h[k])
	}
	return t
}

// buildTemplates builds the templates of both operations with the generated
// request builders, for server as the generated client normalises the
// endpoint (generated.Client.Server: with a trailing slash, so that a base
// path is kept).
func (c *Client) buildTemplates(server string) error {
	var jobsParams *generated.BatchCheckJobsParams
	var resultsParams *generated.BatchCheckResultsParams
	if c.language != "" {
		jobsParams = &generated.BatchCheckJobsParams{XLanguage: generated.BatchCheckJobsParamsXLanguage(c.language)}
		resultsParams = &generated.BatchCheckResultsParams{XLanguage: generated.BatchCheckResultsParamsXLanguage(c.language)}
	}
	req, err := generated.NewBatchCheckJobsRequestWithBody(server, c.projectID, jobsParams, jsonContentType, nil)
	if err != nil {
		return err
	}
	c.opJobs = c.newOpTemplate(OpBatchCheckJobs, req)
	req, err = generated.NewBatchCheckResultsRequestWithBody(server, c.projectID, resultsParams, jsonContentType, nil)
	if err != nil {
		return err
	}
	c.opResults = c.newOpTemplate(OpBatchCheckResults, req)
	return nil
}

const jsonContentType = "application/json"

// newRequest builds one attempt's request from the template, with body
// (the same bytes for every attempt of a call) and ctx, and authenticates it
// (signing it afresh for AK/SK).
func (c *Client) newRequest(ctx context.Context, op *opTemplate, body *callBody) (*http.Request, error) {
	// What http.NewRequestWithContext(ctx, op.method, op.url.String(), nil)
	// makes, without parsing the URL again: "" parses to an empty URL,
	// which gets the template's value (a copy: a transport may change the
	// request's URL), and the Host it implies.
	req, err := http.NewRequestWithContext(ctx, op.method, "", nil)
	if err != nil {
		return nil, err
	}
	*req.URL = op.url
	req.Host = op.url.Host
	// Like Header.Clone: the values of all headers in one new array, so
	// that nothing a request's header is given or changes is shared.
	values := make([]string, op.nheaders)
	for _, f := range op.header {
		n := copy(values, f.values)
		req.Header[f.key] = values[:n:n]
		values = values[n:]
	}
	// io.NopCloser over a *bytes.Reader, as http.NewRequest makes: net/http
	// recognises it as in memory and sends the headers and the body in one
	// write (for another reader it flushes the headers first).
	req.Body = io.NopCloser(bytes.NewReader(body.b))
	req.GetBody = body.getBody
	req.ContentLength = int64(len(body.b))
	if req.ContentLength == 0 {
		req.Body, req.GetBody = http.NoBody, nil
	}
	if err := c.auth.apply(req, body.b); err != nil {
		return nil, err
	}
	return req, nil
}

// callBody is the encoded body of a call, shared by its attempts.
type callBody struct {
	b       []byte
	getBody func() (io.ReadCloser, error)
}

func newCallBody(b []byte) *callBody {
	rb := &callBody{b: b}
	rb.getBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return rb
}
