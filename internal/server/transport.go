package server

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/coopgraph/coopgraph/graph"
)

// Media types of GraphQL over HTTP.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// httpTransport is GraphQL over HTTP (POST with a JSON body, and GET for queries) as the
// GraphQL-over-HTTP specification asks, SHOULDs included:
//   - a request refused before execution (unparsable, invalid, over a limit) has no
//     "data" entry; it is answered 200 to clients that accept application/json and 400 to
//     clients that ask for application/graphql-response+json;
//   - a response that is nothing but UNAUTHENTICATED errors is a 401, and one that is
//     nothing but UNAVAILABLE errors (the store is away) or OVERLOADED (shed by
//     admission) a 503 with Retry-After;
//   - a request whose deadline passed before execution gets a TIMEOUT error, not an
//     empty body.
type httpTransport struct{}

var _ graphql.Transport = httpTransport{}

func (httpTransport) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	if r.Method == http.MethodGet {
		return true
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return r.Method == http.MethodPost && err == nil && mediaType == mediaJSON
}

func (httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	x := exchangeFrom(ctx)
	media := responseMedia(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	params, msg := readParams(r)
	if msg != "" {
		errs := gqlerror.List{codedError("BAD_REQUEST", msg)}
		x.answer(nil, errs, false)
		writeResponse(w, http.StatusBadRequest, requestError{Errors: errs})
		return
	}
	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		x.answer(rc, resp.Errors, false)
		status := http.StatusOK
		if media == mediaGraphQLResponse {
			status = http.StatusBadRequest
		}
		writeResponse(w, status, requestError{Errors: resp.Errors, Extensions: resp.Extensions})
		return
	}
	if r.Method == http.MethodGet && rc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		errs := gqlerror.List{codedError("BAD_REQUEST", "only queries may be sent with GET; send mutations with POST")}
		x.answer(rc, errs, false)
		writeResponse(w, http.StatusMethodNotAllowed, requestError{Errors: errs})
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	if resp == nil {
		// The request's deadline passed, or its client left, before execution began.
		errs := gqlerror.List{graph.ContextError(ctx.Err())}
		x.answer(rc, errs, true)
		writeResponse(w, http.StatusOK, requestError{Errors: errs})
		return
	}
	x.answer(rc, resp.Errors, len(resp.Data) > 0)
	status := http.StatusOK
	if len(resp.Data) == 0 || string(resp.Data) == "null" {
		switch onlyCode(resp.Errors) {
		case "UNAUTHENTICATED":
			status = http.StatusUnauthorized
			w.Header().Set("WWW-Authenticate", `Bearer realm="coopgraph"`)
		case "UNAVAILABLE":
			status = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", strconv.Itoa(retryAfterUnavailable))
		case "OVERLOADED": // shed by admission (admit.go)
			status = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", retryAfterHeader(x.retry()))
		}
	}
	writeResponse(w, status, resp)
}

// retryAfterUnavailable is the Retry-After, in seconds, of a response that found the store
// away.
const retryAfterUnavailable = 5

// requestError is the response to a request refused before execution: errors and
// extensions, and no data entry at all.
type requestError struct {
	Errors     gqlerror.List  `json:"errors"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// readParams reads the operation of a GET (URL parameters) or POST (JSON body). It returns
// a message for a request that is not a GraphQL request at all.
func readParams(r *http.Request) (*graphql.RawParams, string) {
	p := &graphql.RawParams{Headers: r.Header}
	p.ReadTime.Start = graphql.Now()
	defer func() { p.ReadTime.End = graphql.Now() }()
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		p.Query, p.OperationName = q.Get("query"), q.Get("operationName")
		if v := q.Get("variables"); v != "" && decodeJSON(strings.NewReader(v), &p.Variables) != nil {
			return nil, "the variables parameter is not a JSON object"
		}
		if v := q.Get("extensions"); v != "" && decodeJSON(strings.NewReader(v), &p.Extensions) != nil {
			return nil, "the extensions parameter is not a JSON object"
		}
		setDocumentID(p, cmp.Or(q.Get("doc_id"), q.Get("documentId"), q.Get("id")))
		return p, ""
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, "the request body could not be read"
	}
	req := struct {
		*graphql.RawParams
		DocID      string `json:"doc_id"`
		DocumentID string `json:"documentId"`
		ID         string `json:"id"`
	}{RawParams: p}
	if err := decodeJSON(bytes.NewReader(body), &req); err != nil {
		return nil, "the body is not a GraphQL request: a JSON object with query, and optionally operationName, variables and extensions, is expected"
	}
	setDocumentID(p, cmp.Or(req.DocID, req.DocumentID, req.ID))
	return p, ""
}

// setDocumentID passes the id of a persisted operation that a client sent beside query
// (Relay's doc_id, the persisted documents proposal's documentId, or id) to the
// allow-list in the request's extensions.
func setDocumentID(p *graphql.RawParams, id string) {
	if id == "" {
		return
	}
	if p.Extensions == nil {
		p.Extensions = map[string]any{}
	}
	p.Extensions[documentIDExtension] = id
}

func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// responseMedia picks the response's media type from the Accept header: the first of
// application/json and application/graphql-response+json it names, and application/json
// for anything else (older clients).
func responseMedia(accept string) string {
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && (mt == mediaJSON || mt == mediaGraphQLResponse) {
			return mt
		}
	}
	return mediaJSON
}

// onlyCode returns the extensions.code that all errs share, or "" if they differ or there
// are none.
func onlyCode(errs gqlerror.List) string {
	code := ""
	for i, e := range errs {
		c, _ := e.Extensions["code"].(string)
		if i > 0 && c != code {
			return ""
		}
		code = c
	}
	return code
}

func writeResponse(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func codedError(code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
}
