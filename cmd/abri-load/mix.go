package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// outcome is how one call ended.
type outcome int

const (
	done     outcome = iota
	conflict         // 409: the box changed since the client read it (the stale-version rule at work)
	failed           // anything else: a real error
)

// client is one simulated phone: its group, its random source and a way to
// record each call it makes.
type client struct {
	hc   *http.Client
	base string
	g    *group
	rng  *rand.Rand
	rec  func(op string, took time.Duration, o outcome, err error)
}

// operation is one kind of thing a volunteer does, as the API sees it.
type operation struct {
	name string
	what string // for the output
	run  func(ctx context.Context, c *client)
}

// operations is the table of the mixed workload. Each capability adds its
// calls here when it exists, with a weight in defaultMix:
//
//   - reports: a report page or export
//
// Until then, planned lists them so that the output says they are not
// measured.
var operations = []operation{
	{"scan", "GET /api/v1/boxes/{code}", scanOp},
	{"move", "GET, then PATCH with the version", moveOp},
	{"list", "GET /api/v1/boxes, filtered, cursor walk of up to 3 pages (one sample a page)", listOp},
	{"overview", "GET /api/v1/stock", overviewOp},
	{"create", "POST /api/v1/boxes", createOp},
	{"batch", "POST /api/v1/commands: 500 quick-count taps queued on one phone, sent at once", batchOp},
	{"tally", "POST /api/v1/commands: one tap of the tally screen (a hand-out, a person, a quick count) sent at once", tallyOp},
	{"incident", "POST /api/v1/commands: an observer's eviction report with what was seized, which opens replacement needs", incidentOp},
}

// planned are the operations still to come.
var planned = []string{"report"}

// defaultMix is a Saturday in the warehouse: volunteers sort the week's
// donations into new boxes and scan them onto shelves, others scan boxes to
// check them or move them to the van for Sunday's distribution, a
// coordinator checks lists and the stock overview now and then.
const defaultMix = "scan=35,move=25,create=20,list=15,overview=5"

// parseMix reads "scan=40,move=30,…" into a weight per operation (in the
// order of operations); an operation left out weighs nothing.
func parseMix(s string) ([]int, error) {
	w := make([]int, len(operations))
	total := 0
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("-mix: %q is not name=weight", part)
		}
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("-mix: the weight of %s is not a whole number ≥ 0", name)
		}
		i := -1
		for j, op := range operations {
			if op.name == name {
				i = j
			}
		}
		if i < 0 {
			names := make([]string, len(operations))
			for j, op := range operations {
				names[j] = op.name
			}
			return nil, fmt.Errorf("-mix: no operation %q (there are %s)", name, strings.Join(names, ", "))
		}
		w[i] = n
		total += n
	}
	if total == 0 {
		return nil, fmt.Errorf("-mix: every weight is zero")
	}
	return w, nil
}

func scanOp(ctx context.Context, c *client) {
	t := time.Now()
	status, err := c.call(ctx, "GET", "/api/v1/boxes/"+c.g.code(c.rng), nil, nil)
	o, err := verdict(status, http.StatusOK, err)
	c.rec("scan", time.Since(t), o, err)
}

// moveOp is a scan followed by a move to another shelf with the version the
// scan saw, as a phone does; the two requests are one sample.
func moveOp(ctx context.Context, c *client) {
	t := time.Now()
	code := c.g.code(c.rng)
	var box struct {
		Version int64 `json:"version"`
	}
	status, err := c.call(ctx, "GET", "/api/v1/boxes/"+code, nil, &box)
	if o, err := verdict(status, http.StatusOK, err); o != done {
		c.rec("move", time.Since(t), o, err)
		return
	}
	body, _ := json.Marshal(map[string]any{"version": box.Version, "location_id": c.g.shelves[c.rng.IntN(len(c.g.shelves))]})
	status, err = c.call(ctx, "PATCH", "/api/v1/boxes/"+code, body, nil)
	o, err := verdict(status, http.StatusOK, err)
	c.rec("move", time.Since(t), o, err)
}

// listOp asks for a filtered page of 20 boxes and follows the cursor for
// up to two more pages, as someone scrolling a list does.
func listOp(ctx context.Context, c *client) { listPage(ctx, c, 3) }

// listPage asks for a filtered page of 20 boxes and follows the cursor for
// up to pages-1 more pages, recording each page as a "list" sample.
func listPage(ctx context.Context, c *client, pages int) {
	q := url.Values{"limit": {"20"}}
	switch c.rng.IntN(3) {
	case 0:
		q.Set("state", "in_stock")
	case 1:
		q.Set("location", strconv.FormatInt(c.g.shelves[c.rng.IntN(len(c.g.shelves))], 10))
	default:
		q.Set("product", strconv.FormatInt(c.g.prods[c.rng.IntN(len(c.g.prods))], 10))
	}
	for page := 0; page < pages; page++ {
		var body struct {
			NextCursor *string `json:"next_cursor"`
		}
		t := time.Now()
		status, err := c.call(ctx, "GET", "/api/v1/boxes?"+q.Encode(), nil, &body)
		o, err := verdict(status, http.StatusOK, err)
		c.rec("list", time.Since(t), o, err)
		if o != done || body.NextCursor == nil {
			return
		}
		q.Set("cursor", *body.NextCursor)
	}
}

func overviewOp(ctx context.Context, c *client) {
	t := time.Now()
	status, err := c.call(ctx, "GET", "/api/v1/stock", nil, nil)
	o, err := verdict(status, http.StatusOK, err)
	c.rec("overview", time.Since(t), o, err)
}

// createOp makes a box of goods the group already stocks on one of its
// shelves; the new box joins those the others scan and move.
func createOp(ctx context.Context, c *client) {
	k := c.g.kinds[c.rng.IntN(len(c.g.kinds))]
	body, _ := json.Marshal(map[string]any{"product_id": k.product, "size": k.size, "items": 5 + c.rng.IntN(20),
		"location_id": c.g.shelves[c.rng.IntN(len(c.g.shelves))]})
	var box struct {
		Code string `json:"code"`
	}
	t := time.Now()
	status, err := c.call(ctx, "POST", "/api/v1/boxes", body, &box)
	o, err := verdict(status, http.StatusCreated, err)
	c.rec("create", time.Since(t), o, err)
	if o == done {
		c.g.add(box.Code)
	}
}

// verdict classes an answer: the expected status is done, a 409 is a
// conflict, anything else (or no answer) an error.
func verdict(status, want int, err error) (outcome, error) {
	switch {
	case err != nil:
		return failed, err
	case status == want:
		return done, nil
	case status == http.StatusConflict:
		return conflict, nil
	default:
		return failed, fmt.Errorf("answered %d", status)
	}
}

// call sends one request with the client's token and decodes a success
// answer into into (when not nil).
func (c *client) call(ctx context.Context, method, path string, body []byte, into any) (int, error) {
	return c.callAs(ctx, c.g.token, method, path, body, into)
}

// callAs is call with another token of the client's group.
func (c *client) callAs(ctx context.Context, token, method, path string, body []byte, into any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if into != nil && resp.StatusCode/100 == 2 {
		return resp.StatusCode, json.NewDecoder(resp.Body).Decode(into)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

// opResult is what one operation did in the mixed phase.
type opResult struct {
	Name          string
	Count         int64 // samples that succeeded
	Conflicts     int64 // 409s
	Errors        int64
	Rate          float64 // successes per second
	P50, P95, P99 time.Duration
	FirstErrors   []string
}

// tape collects the samples of every client.
type tape struct {
	mu   sync.Mutex
	lats map[string][]time.Duration
	res  map[string]*opResult
}

func newTape() *tape {
	tp := &tape{lats: map[string][]time.Duration{}, res: map[string]*opResult{}}
	for _, op := range operations {
		tp.res[op.name] = &opResult{Name: op.name}
	}
	return tp
}

func (tp *tape) record(op string, took time.Duration, o outcome, err error) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	r := tp.res[op]
	switch o {
	case done:
		r.Count++
		tp.lats[op] = append(tp.lats[op], took)
	case conflict:
		r.Conflicts++
	default:
		r.Errors++
		if len(r.FirstErrors) < 3 {
			r.FirstErrors = append(r.FirstErrors, err.Error())
		}
	}
}

// mixed runs n clients for d, client i in group i mod len(groups), each
// drawing its next operation by weight.
func mixed(ctx context.Context, hc *http.Client, base string, groups []*group, weights []int, n int, d time.Duration) ([]opResult, time.Duration) {
	return mixedWithProbe(ctx, hc, base, groups, weights, n, d, nil, nil)
}

// pause is the mean of the pause a client of the mixed workload makes
// before each call (drawn from an exponential distribution, so calls come as
// people's taps do, independently); 0 makes every client call again at once,
// which measures how much the server can take rather than how long a call
// takes at a given rate.
var pause time.Duration

// mixedWithProbe is mixed with one more client beside the n, which does
// probe over and over, recording into probeTape: a measure of one kind of
// call while the others keep the server busy.
func mixedWithProbe(ctx context.Context, hc *http.Client, base string, groups []*group, weights []int, n int, d time.Duration,
	probe func(context.Context, *client), probeTape *tape) ([]opResult, time.Duration) {
	tp := newTape()
	total := 0
	for _, w := range weights {
		total += w
	}
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := &client{hc: hc, base: base, g: groups[i%len(groups)], rng: rand.New(rand.NewPCG(uint64(i+1), 11)), rec: tp.record}
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if pause > 0 {
					select {
					case <-time.After(time.Duration(c.rng.ExpFloat64() * float64(pause))):
					case <-ctx.Done():
						return
					}
				}
				x := c.rng.IntN(total)
				for j, w := range weights {
					if x < w {
						operations[j].run(ctx, c)
						break
					}
					x -= w
				}
			}
		}(i)
	}
	if probe != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &client{hc: hc, base: base, g: groups[0], rng: rand.New(rand.NewPCG(uint64(n+1), 11)), rec: probeTape.record}
			for time.Now().Before(deadline) && ctx.Err() == nil {
				probe(ctx, c)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	return tp.results(elapsed), elapsed
}

// checkEach runs each operation of the mix once, one after another from one
// client, before the measured run: every operation is then known to work
// against this server however few calls the run itself draws of it (a
// rarely drawn one, on a busy machine, may get none in a short run).
func checkEach(ctx context.Context, hc *http.Client, base string, groups []*group, weights []int) []opResult {
	tp := newTape()
	c := &client{hc: hc, base: base, g: groups[0], rng: rand.New(rand.NewPCG(0, 11)), rec: tp.record}
	var out []opResult
	for j, op := range operations {
		if weights[j] == 0 {
			continue
		}
		op.run(ctx, c)
		out = append(out, *tp.res[op.name])
	}
	return out
}

// results is what each operation did over elapsed.
func (tp *tape) results(elapsed time.Duration) []opResult {
	out := make([]opResult, 0, len(operations))
	for _, op := range operations {
		r := *tp.res[op.name]
		ls := tp.lats[op.name]
		sort.Slice(ls, func(i, j int) bool { return ls[i] < ls[j] })
		r.P50, r.P95, r.P99 = quantile(ls, 0.50), quantile(ls, 0.95), quantile(ls, 0.99)
		r.Rate = float64(r.Count) / elapsed.Seconds()
		out = append(out, r)
	}
	return out
}

// result is what the operation named did.
func result(rs []opResult, name string) opResult {
	for _, r := range rs {
		if r.Name == name {
			return r
		}
	}
	return opResult{Name: name}
}

func quantile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// batchSize is how many commands a phone back in signal sends at once.
const batchSize = 500

// batchOp is the offline sync of a field screen: a distribution volunteer's
// phone sends batchSize quick-count taps it queued at a site, each with an
// id made on the phone, in one POST; every command must come back applied.
// One sample per batch (issue 8: under 1 s).
func batchOp(ctx context.Context, c *client) {
	if c.g.fieldToken == "" {
		c.rec("batch", 0, failed, fmt.Errorf("group %s has no field volunteer's token or no site", c.g.slug))
		return
	}
	cmds := make([]wireCommand, batchSize)
	made := time.Now().UTC()
	ages, genders := []string{"child", "adult", ""}, []string{"woman", "man", "other", "unknown", ""}
	for i := range cmds {
		cmds[i] = wireCommand{ID: uuid(c.rng), Type: "headcount.add", Target: "site:" + strconv.FormatInt(c.g.site, 10),
			Payload: map[string]any{"age": ages[c.rng.IntN(len(ages))], "gender": genders[c.rng.IntN(len(genders))], "n": 1},
			MadeAt:  made.Add(time.Duration(i-batchSize) * time.Second).Format(time.RFC3339Nano)}
	}
	t := time.Now()
	o, err := c.sendCommands(ctx, cmds)
	c.rec("batch", time.Since(t), o, err)
}

// wireCommand is an offline command as a phone's queue sends it.
type wireCommand struct {
	ID      string         `json:"id"`
	Type    string         `json:"type"`
	Target  string         `json:"target"`
	Payload map[string]any `json:"payload"`
	MadeAt  string         `json:"made_at"`
}

// sendCommands posts cmds with the group's field volunteer's token, as one
// batch; every command must come back applied.
func (c *client) sendCommands(ctx context.Context, cmds []wireCommand) (outcome, error) {
	return c.sendCommandsAs(ctx, c.g.fieldToken, cmds)
}

// sendCommandsAs posts cmds with token, as one batch; every command must
// come back applied.
func (c *client) sendCommandsAs(ctx context.Context, token string, cmds []wireCommand) (outcome, error) {
	body, _ := json.Marshal(map[string]any{"commands": cmds})
	var out struct {
		Outcomes []struct {
			Status string `json:"status"`
		} `json:"outcomes"`
	}
	status, err := c.callAs(ctx, token, "POST", "/api/v1/commands", body, &out)
	o, err := verdict(status, http.StatusOK, err)
	if o != done {
		return o, err
	}
	if len(out.Outcomes) != len(cmds) {
		return failed, fmt.Errorf("%d outcomes for %d commands", len(out.Outcomes), len(cmds))
	}
	for i, x := range out.Outcomes {
		if x.Status != "applied" {
			return failed, fmt.Errorf("a %s came back %q", cmds[i].Type, x.Status)
		}
	}
	return done, nil
}

// uuid is a random (version 4) UUID in the lower-case text form.
func uuid(rng *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// tallyOp is a distribution volunteer's phone in signal at a round: each tap
// of the tally screen is sent as it is made, one command a request, in
// turn a hand-out of a product on the round, a person served and a quick
// count at the site. One sample per tap (issue 10: under 10 ms at the 95th
// percentile on the server with 50 phones).
func tallyOp(ctx context.Context, c *client) {
	g := c.g
	if g.fieldToken == "" || g.round == 0 {
		c.rec("tally", 0, failed, fmt.Errorf("group %s has no field volunteer's token or no round out", g.slug))
		return
	}
	round := "round:" + strconv.FormatInt(g.round, 10)
	x := wireCommand{ID: uuid(c.rng), MadeAt: time.Now().UTC().Format(time.RFC3339Nano)}
	switch c.rng.IntN(3) {
	case 0:
		x.Type, x.Target, x.Payload = "round.handout", round, map[string]any{"product_id": g.roundProduct, "quantity": 1}
	case 1:
		x.Type, x.Target, x.Payload = "round.people", round, map[string]any{"age": "adult", "gender": "man", "quantity": 1}
	default:
		x.Type, x.Target, x.Payload = "headcount.add", "site:"+strconv.FormatInt(g.site, 10), map[string]any{"age": "adult", "gender": "woman", "n": 1}
	}
	t := time.Now()
	o, err := c.sendCommands(ctx, []wireCommand{x})
	c.rec("tally", time.Since(t), o, err)
}

// incidentOp is an observer's phone back in signal after an eviction: the
// report, with the tents and sleeping bags seized (two products of the
// group, a few of each, as the field figures have it: about 4.7 tents and
// 2.3 sleeping bags an eviction), goes as one command; applying it saves the
// incident and opens a replacement need per product at the site. One sample
// a report.
func incidentOp(ctx context.Context, c *client) {
	g := c.g
	if g.observerToken == "" || g.site == 0 || len(g.prods) < 2 {
		c.rec("incident", 0, failed, fmt.Errorf("group %s has no observer's token, no site or fewer than two products", g.slug))
		return
	}
	i := c.rng.IntN(len(g.prods) - 1)
	end := time.Now().UTC().Add(-time.Duration(c.rng.IntN(60)) * time.Minute)
	x := wireCommand{ID: uuid(c.rng), Type: "incident.report", Target: "site:" + strconv.FormatInt(g.site, 10),
		MadeAt: end.Format(time.RFC3339Nano), Payload: map[string]any{
			"kind": "eviction", "starts_at": end.Add(-90 * time.Minute).Format(time.RFC3339), "ends_at": end.Format(time.RFC3339),
			"people_present": 10 + c.rng.IntN(60), "legal_basis": "none_given",
			"items": []map[string]any{
				{"product_id": g.prods[i], "seized": 2 + c.rng.IntN(6)},
				{"product_id": g.prods[i+1], "seized": 1 + c.rng.IntN(3)},
			}}}
	t := time.Now()
	o, err := c.sendCommandsAs(ctx, g.observerToken, []wireCommand{x})
	c.rec("incident", time.Since(t), o, err)
}
