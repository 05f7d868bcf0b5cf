// Command load is the closed-loop load generator of scripts/bench/run: N clients each
// send one query, wait for its answer and send again, for a duration after a warm-up.
// It prints one markdown table row: requests/s, p50/p99 latency, and the CPU time per
// request of the API process and of the store process (utime+stime from /proc/PID/stat,
// the delta over the measured period divided by the requests answered). With -metrics,
// it also counts the store's find commands per request from coopgraph's /metrics.
//
//	go run ./scripts/bench/load -url http://127.0.0.1:8080/graphql -query five -clients 4 \
//	    -duration 20s -api-pid 123 -store-pid 456 -label coopgraph
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coopgraph/coopgraph/internal/examples"
)

// queries are the requests by name; scripts/bench/baseline answers exactly these texts.
func queries() map[string]string {
	q := map[string]string{"trivial": `{ country(code: "MW") { name } }`}
	for _, e := range examples.All() {
		switch e.Name {
		case "01-country-to-donors":
			q["malawi"] = e.Query
		case "02-five-levels":
			q["five"] = e.Query
		}
	}
	return q
}

func main() {
	url := flag.String("url", "http://127.0.0.1:8080/graphql", "GraphQL endpoint")
	name := flag.String("query", "trivial", "trivial, malawi or five")
	clients := flag.Int("clients", 4, "concurrent clients, each sending its next request when answered")
	duration := flag.Duration("duration", 20*time.Second, "measured time")
	warmup := flag.Duration("warmup", 3*time.Second, "unmeasured time before")
	apiPID := flag.Int("api-pid", 0, "API process whose CPU time to count")
	storePID := flag.Int("store-pid", 0, "store process whose CPU time to count")
	metrics := flag.String("metrics", "", "coopgraph /metrics URL, to count store finds per request")
	label := flag.String("label", "", "first column of the row")
	header := flag.Bool("header", false, "print the table header first")
	timeout := flag.Duration("timeout", 30*time.Second, "each request's client timeout")
	outcomes := flag.Bool("outcomes", false, "print the outcomes instead: 200s per second, p50/p99 of the 200s, 503s, 429s, client timeouts, others, refusals without Retry-After (clients send again at once, whatever the answer)")
	flag.Parse()

	query, ok := queries()[*name]
	if !ok {
		log.Fatalf("unknown query %q", *name)
	}
	body, _ := json.Marshal(map[string]string{"query": query})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients}, Timeout: *timeout}
	if *outcomes {
		runOutcomes(client, *url, body, *clients, *warmup, *duration, *label, *name, *header)
		return
	}

	run(client, *url, body, *clients, *warmup)
	apiCPU, storeCPU, finds := cpuTime(*apiPID), cpuTime(*storePID), findCount(*metrics)
	start := time.Now()
	lat, failed := run(client, *url, body, *clients, *duration)
	elapsed := time.Since(start)
	apiCPU, storeCPU, finds = cpuTime(*apiPID)-apiCPU, cpuTime(*storePID)-storeCPU, findCount(*metrics)-finds

	if *header {
		fmt.Println("| server | query | clients | requests | req/s | p50 ms | p99 ms | API CPU ms/req | store CPU ms/req | store finds/req | failed |")
		fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|")
	}
	n := len(lat)
	if n == 0 {
		fmt.Printf("| %s | %s | %d | 0 | | | | | | | %d |\n", *label, *name, *clients, failed)
		return
	}
	slices.Sort(lat)
	perReq := func(d time.Duration) string {
		if d < 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)/float64(n))
	}
	findsPerReq := "n/a"
	if *metrics != "" {
		findsPerReq = fmt.Sprintf("%.2f", finds/float64(n+failed))
	}
	fmt.Printf("| %s | %s | %d | %d | %.1f | %.2f | %.2f | %s | %s | %s | %d |\n", *label, *name, *clients, n,
		float64(n)/elapsed.Seconds(), ms(lat[n*50/100]), ms(lat[min(n-1, n*99/100)]),
		perReq(apiCPU), perReq(storeCPU), findsPerReq, failed)
}

// run sends body from clients goroutines, each waiting for its answer, for d; it returns
// the latencies of the good answers (200 with data, no errors) and the count of others.
func run(client *http.Client, url string, body []byte, clients int, d time.Duration) ([]time.Duration, int) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	failed := 0
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				t := time.Now()
				ok := send(client, url, body)
				took := time.Since(t)
				mu.Lock()
				if ok {
					lat = append(lat, took)
				} else {
					failed++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return lat, failed
}

func send(client *http.Client, url string, body []byte) bool {
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return err == nil && resp.StatusCode == http.StatusOK && bytes.HasPrefix(b, []byte(`{"data":{`)) && !bytes.Contains(b, []byte(`"errors":`))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// cpuTime is the user+system CPU time of process pid so far (-1 for pid 0 or an error).
func cpuTime(pid int) time.Duration {
	if pid == 0 {
		return -1
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// Fields after the command name (in parentheses, which may hold spaces): utime and
	// stime are the 14th and 15th fields, in clock ticks (100 per second on Linux).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// findCount is the number of find commands coopgraph has sent, from its /metrics.
func findCount(url string) float64 {
	if url == "" {
		return 0
	}
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	total := 0.0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "coopgraph_store_command_duration_seconds_count{") && strings.Contains(line, `command="find"`) {
			v, _ := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			total += v
		}
	}
	return total
}

// tally counts the answers of a closed loop by outcome.
type tally struct {
	mu                             sync.Mutex
	ok                             []time.Duration // latencies of 200s with data and no errors
	unavailable, limited, timeouts int             // 503s, 429s, client timeouts
	others, noRetryAfter           int             // anything else; 503/429 without Retry-After
}

// runOutcomes runs clients in a closed loop (each sends again as soon as it has an answer,
// whatever it is: a fleet of dashboards retrying) for warmup, then for d, and prints one row.
func runOutcomes(client *http.Client, url string, body []byte, clients int, warmup, d time.Duration, label, name string, header bool) {
	loop := func(d time.Duration, t *tally) {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				for ctx.Err() == nil {
					start := time.Now()
					resp, err := client.Post(url, "application/json", bytes.NewReader(body))
					var b []byte
					if err == nil {
						b, err = io.ReadAll(resp.Body)
						resp.Body.Close()
					}
					took := time.Since(start)
					t.mu.Lock()
					switch {
					case err != nil && (os.IsTimeout(err) || strings.Contains(err.Error(), "Client.Timeout")):
						t.timeouts++
					case err != nil:
						t.others++
					case resp.StatusCode == http.StatusOK && bytes.HasPrefix(b, []byte(`{"data":{`)) && !bytes.Contains(b, []byte(`"errors":`)):
						t.ok = append(t.ok, took)
					case resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusTooManyRequests:
						if resp.StatusCode == http.StatusServiceUnavailable {
							t.unavailable++
						} else {
							t.limited++
						}
						if resp.Header.Get("Retry-After") == "" {
							t.noRetryAfter++
						}
					default:
						t.others++
					}
					t.mu.Unlock()
				}
			})
		}
		wg.Wait()
	}
	loop(warmup, &tally{})
	var t tally
	start := time.Now()
	loop(d, &t)
	elapsed := time.Since(start)
	if header {
		fmt.Println("| server | query | clients | 200s/s | p50 ms | p99 ms | 503s | 429s | client timeouts | other | no Retry-After |")
		fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|")
	}
	p50, p99 := "", ""
	if n := len(t.ok); n > 0 {
		slices.Sort(t.ok)
		p50, p99 = fmt.Sprintf("%.0f", ms(t.ok[n*50/100])), fmt.Sprintf("%.0f", ms(t.ok[min(n-1, n*99/100)]))
	}
	fmt.Printf("| %s | %s | %d | %.1f | %s | %s | %d | %d | %d | %d | %d |\n", label, name, clients,
		float64(len(t.ok))/elapsed.Seconds(), p50, p99, t.unavailable, t.limited, t.timeouts, t.others, t.noRetryAfter)
}
