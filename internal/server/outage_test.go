package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coopgraph/coopgraph/internal/auth"
	"github.com/coopgraph/coopgraph/internal/mongostore"
	"github.com/coopgraph/coopgraph/internal/seed"
	"github.com/coopgraph/coopgraph/internal/server"
	"github.com/coopgraph/coopgraph/internal/storetest"
)

// fast bounds every request's answer during the outage: it must come in seconds (the
// store timeout is 2 s), not after the driver's 30 s operation timeout.
const fast = 10 * time.Second

// outageRead is the readers' query: a top-level list and two nested, batched levels.
const outageRead = `{ donors(first: 5) { edges { node { name homeCountry { name } agreements(first: 3) { edges { node { title } } } } } } }`

// TestStoreOutage takes the store away from a running server under traffic and brings it
// back at the same address over the same files, as a MongoDB restart or failover does:
//   - while it is away, every request is answered within seconds with 503, Retry-After and
//     extensions.code UNAVAILABLE (or, for one caught half-way, 200 with data and only
//     UNAVAILABLE errors); /readyz is 503 and /healthz 200;
//   - once it is back, requests succeed again within seconds without a restart of the
//     server, and /readyz is 200;
//   - every write acknowledged as a success, before, during or after the outage, is stored.
func TestStoreOutage(t *testing.T) {
	r := storetest.StartRestartable(t)
	ctx := context.Background()
	s, err := mongostore.Connect(ctx, r.URI(), "coopgraph", mongostore.Options{Timeout: mongostore.DefaultTimeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := seed.Load(ctx, s, seed.Flanders()); err != nil {
		t.Fatal(err)
	}
	kr, keys := newKeys(t)
	// The server's warnings and errors, shown if the test fails.
	var logs syncBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log (warnings and errors):\n%s", logs.String())
		}
	})
	srv := httptest.NewServer(server.NewServer(server.Deps{
		Store: s, Ping: s.Ping, NewID: mongostore.NewID, Keys: kr,
		Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}))
	t.Cleanup(srv.Close)
	o := &outage{t: t, url: srv.URL, client: &http.Client{Timeout: 60 * time.Second}, editor: keys[auth.Editor]}

	// The writer's own donor, which it renames again and again.
	var created struct {
		CreateDonor struct{ Donor struct{ ID string } }
	}
	res := o.post(o.editor, createDonorM, inputVars(withFields(donorInput(), "name", "Outage renamed")))
	if !res.ok() {
		t.Fatalf("create the writer's donor: %+v", res)
	}
	if err := json.Unmarshal(res.data, &created); err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { o.read(stop) })
	}
	wg.Go(func() { o.write(stop, created.CreateDonor.Donor.ID) })
	halt := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer halt()

	o.await("traffic to flow", 30*time.Second, func() bool { return o.count("read", true) >= 10 && o.count("create", true) >= 3 })

	// Take the store away. Stop returns once FerretDB has closed every connection.
	stopping := time.Now()
	r.Stop()
	stopped := time.Now()
	t.Logf("store stopped in %v", stopped.Sub(stopping).Round(time.Millisecond))
	probe := o.post("", outageRead, nil)
	if probe.status != http.StatusServiceUnavailable || !probe.only("UNAVAILABLE") || probe.retryAfter == "" || probe.took > fast {
		t.Errorf("a read with the store away: %+v; want 503, UNAVAILABLE and Retry-After within %v", probe, fast)
	}
	t.Logf("a read with the store away answered %d in %v", probe.status, probe.took.Round(time.Millisecond))
	probe = o.post(o.editor, createDonorM, inputVars(withFields(donorInput(), "name", "Outage probe")))
	if probe.status != http.StatusServiceUnavailable || !probe.only("UNAVAILABLE") || probe.retryAfter == "" || probe.took > fast {
		t.Errorf("a write with the store away: %+v; want 503, UNAVAILABLE and Retry-After within %v", probe, fast)
	}
	t.Logf("a write with the store away answered %d in %v", probe.status, probe.took.Round(time.Millisecond))
	if status, body, took := o.get("/readyz"); status != http.StatusServiceUnavailable || took > fast {
		t.Errorf("/readyz with the store away: %d %q after %v, want 503", status, body, took)
	} else {
		t.Logf("/readyz with the store away: %d %q in %v", status, body, took.Round(time.Millisecond))
	}
	if status, body, _ := o.get("/healthz"); status != http.StatusOK {
		t.Errorf("/healthz with the store away: %d %q, want 200", status, body)
	}
	o.await("the traffic to see 503s", 30*time.Second, func() bool {
		return o.countAfter("read", http.StatusServiceUnavailable, stopped) >= 3 && o.countAfter("create", http.StatusServiceUnavailable, stopped) >= 1
	})
	first503 := o.first(stopping, http.StatusServiceUnavailable)
	t.Logf("first 503 of the traffic %v after the stop began (%v after it completed)",
		first503.Sub(stopping).Round(time.Millisecond), first503.Sub(stopped).Round(time.Millisecond))

	// Bring it back at the same address over the same files.
	r.Start()
	restarted := time.Now()
	o.await("reads to succeed again", 20*time.Second, func() bool { return o.post("", outageRead, nil).ok() })
	t.Logf("reads succeed again %v after the restart", time.Since(restarted).Round(time.Millisecond))
	o.await("/readyz to be 200", 20*time.Second, func() bool { status, _, _ := o.get("/readyz"); return status == http.StatusOK })
	o.await("the writer's creates to succeed again", 20*time.Second, func() bool {
		return o.countAfter("create", http.StatusOK, restarted) >= 3
	})
	// A rename cut off by the outage between claiming the donor's next version and giving
	// the claim back leaves the claim behind; the next writer takes it over once it is a
	// minute old (mongostore's claimTTL), so the renames may take that long to resume.
	o.await("the writer's renames to succeed again", 80*time.Second, func() bool {
		return o.countAfter("update", http.StatusOK, restarted) >= 3
	})
	t.Logf("the traffic's first success after the restart came %v after it", o.first(restarted, http.StatusOK).Sub(restarted).Round(time.Millisecond))
	halt()

	o.checkAnswers()
	o.checkWrites(created.CreateDonor.Donor.ID)
}

// outage drives traffic at a server and records every answer.
type outage struct {
	t      *testing.T
	url    string
	client *http.Client
	editor string

	mu       sync.Mutex
	answers  []answer
	acked    map[string]string // created donor id → name, for creates answered with success
	renamed  int               // the last version of the writer's donor acknowledged
	lastName string            // and its name at that version
}

// answer is one response: what was asked, when, how it was answered and how fast.
type answer struct {
	kind       string // read, create or update
	at         time.Time
	took       time.Duration
	status     int
	codes      []string // extensions.code of each error
	retryAfter string
	data       json.RawMessage
	err        error // the request failed at the HTTP level
}

// ok reports a success: 200 without errors.
func (a answer) ok() bool { return a.err == nil && a.status == http.StatusOK && len(a.codes) == 0 }

// only reports whether there are errors, all with code.
func (a answer) only(code string) bool {
	return len(a.codes) > 0 && !slices.ContainsFunc(a.codes, func(c string) bool { return c != code })
}

func (a answer) String() string {
	return fmt.Sprintf("%s at %s: status %d codes %v Retry-After %q in %v (err %v)",
		a.kind, a.at.Format("15:04:05.000"), a.status, a.codes, a.retryAfter, a.took.Round(time.Millisecond), a.err)
}

// post sends a GraphQL request with the key (none if empty).
func (o *outage) post(key, query string, vars map[string]any) answer {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, o.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	a := answer{at: time.Now()}
	resp, err := o.client.Do(req)
	a.took = time.Since(a.at)
	if err != nil {
		a.err = err
		return a
	}
	defer resp.Body.Close()
	a.status, a.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
	var r gqlResponse
	if a.err = json.NewDecoder(resp.Body).Decode(&r); a.err != nil {
		return a
	}
	a.data = r.Data
	for _, e := range r.Errors {
		code, _ := e.Extensions["code"].(string)
		a.codes = append(a.codes, code)
	}
	return a
}

// get fetches a plain-text path and returns its status, body and how long it took.
func (o *outage) get(path string) (int, string, time.Duration) {
	start := time.Now()
	resp, err := o.client.Get(o.url + path)
	if err != nil {
		o.t.Errorf("GET %s: %v", path, err)
		return 0, "", time.Since(start)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String(), time.Since(start)
}

func (o *outage) record(kind string, a answer) answer {
	a.kind = kind
	o.mu.Lock()
	defer o.mu.Unlock()
	o.answers = append(o.answers, a)
	return a
}

// read sends the readers' query until stop is closed.
func (o *outage) read(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-time.After(10 * time.Millisecond): // pace, so the store keeps up
		}
		o.record("read", o.post("", outageRead, nil))
	}
}

// write creates donors and renames the donor id, one change at a time, until stop is
// closed, and records what was acknowledged. After a failed rename it reads the donor's
// version again, since a change that failed with the store away may have been stored.
func (o *outage) write(stop <-chan struct{}, id string) {
	version := 1
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-time.After(20 * time.Millisecond):
		}
		name := fmt.Sprintf("Outage donor %d", i)
		a := o.record("create", o.post(o.editor, createDonorM, inputVars(withFields(donorInput(), "name", name))))
		var c struct {
			CreateDonor struct{ Donor struct{ ID string } }
		}
		if a.ok() && json.Unmarshal(a.data, &c) == nil {
			o.mu.Lock()
			if o.acked == nil {
				o.acked = map[string]string{}
			}
			o.acked[c.CreateDonor.Donor.ID] = name
			o.mu.Unlock()
		}

		name = fmt.Sprintf("Outage renamed %d", i)
		a = o.record("update", o.post(o.editor, updateDonorM, inputVars(map[string]any{"id": id, "expectedVersion": version, "name": name})))
		var u struct {
			UpdateDonor struct{ Donor struct{ Version int } }
		}
		if a.ok() && json.Unmarshal(a.data, &u) == nil {
			version = u.UpdateDonor.Donor.Version
			o.mu.Lock()
			o.renamed, o.lastName = version, name
			o.mu.Unlock()
			continue
		}
		var d struct{ Donor struct{ Version int } }
		if r := o.post("", `query($id: ID!) { donor(id: $id) { version } }`, map[string]any{"id": id}); r.ok() && json.Unmarshal(r.data, &d) == nil {
			version = d.Donor.Version
		}
	}
}

// await waits until cond holds, failing the test if it does not within limit.
func (o *outage) await(what string, limit time.Duration, cond func() bool) {
	o.t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			o.t.Fatalf("waited %v for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond) // poll; speed is measured, never assumed
	}
}

func (o *outage) count(kind string, ok bool) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, a := range o.answers {
		if a.kind == kind && a.ok() == ok {
			n++
		}
	}
	return n
}

// countAfter counts the answers of kind with status to requests sent after t.
func (o *outage) countAfter(kind string, status int, t time.Time) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, a := range o.answers {
		if a.kind == kind && a.status == status && a.at.After(t) && (status != http.StatusOK || a.ok()) {
			n++
		}
	}
	return n
}

// first returns when the first answer with status (a success, for 200) to a request sent
// after t arrived.
func (o *outage) first(t time.Time, status int) time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	var first time.Time
	for _, a := range o.answers {
		done := a.at.Add(a.took)
		if a.at.After(t) && a.status == status && (status != http.StatusOK || a.ok()) && (first.IsZero() || done.Before(first)) {
			first = done
		}
	}
	return first
}

// checkAnswers checks every answer of the traffic: in time, and either a success, a 503
// with Retry-After and only UNAVAILABLE errors, a 200 with data and only UNAVAILABLE
// errors (a read the outage caught half-way), or, for a rename after an outage, a
// CONFLICT. It logs the latencies seen.
func (o *outage) checkAnswers() {
	o.t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	var slowest answer
	by := map[string]int{}
	for _, a := range o.answers {
		if a.took > slowest.took {
			slowest = a
		}
		switch {
		case a.took > fast:
			o.t.Errorf("too slow: %v", a)
		case a.ok():
			by["ok"]++
		case a.status == http.StatusServiceUnavailable && a.only("UNAVAILABLE") && a.retryAfter != "":
			by["503"]++
		case a.status == http.StatusOK && a.only("UNAVAILABLE") && len(a.data) > 0 && string(a.data) != "null":
			by["partial"]++
		case a.kind == "update" && a.status == http.StatusOK && a.only("CONFLICT"):
			by["conflict"]++
		default:
			o.t.Errorf("unexpected answer: %v", a)
		}
	}
	o.t.Logf("%d answers: %v; slowest %v", len(o.answers), by, slowest)
}

// checkWrites checks that every acknowledged write is stored: each created donor, and
// the renamed donor at (at least) its last acknowledged version.
func (o *outage) checkWrites(renamedID string) {
	o.t.Helper()
	o.mu.Lock()
	ids := make([]string, 0, len(o.acked))
	for id := range o.acked {
		ids = append(ids, id)
	}
	o.mu.Unlock()
	for start := 0; start < len(ids); start += 100 {
		chunk := ids[start:min(start+100, len(ids))]
		var got struct {
			Nodes []*struct{ ID, Name string }
		}
		a := o.post("", `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Donor { name } } }`, map[string]any{"ids": chunk})
		if !a.ok() || json.Unmarshal(a.data, &got) != nil {
			o.t.Fatalf("read the created donors: %v", a)
		}
		for i, n := range got.Nodes {
			if n == nil || n.Name != o.acked[chunk[i]] {
				o.t.Errorf("acknowledged donor %s (%q) is stored as %+v", chunk[i], o.acked[chunk[i]], n)
			}
		}
	}
	var d struct {
		Donor struct {
			Version int
			Name    string
		}
	}
	a := o.post("", `query($id: ID!) { donor(id: $id) { version name } }`, map[string]any{"id": renamedID})
	if !a.ok() || json.Unmarshal(a.data, &d) != nil {
		o.t.Fatalf("read the renamed donor: %v", a)
	}
	if d.Donor.Version < o.renamed || (d.Donor.Version == o.renamed && d.Donor.Name != o.lastName) {
		o.t.Errorf("renamed donor: version %d %q, but version %d %q was acknowledged", d.Donor.Version, d.Donor.Name, o.renamed, o.lastName)
	}
	o.t.Logf("%d acknowledged creates all stored; renamed donor at version %d (last acknowledged %d)", len(ids), d.Donor.Version, o.renamed)
}
