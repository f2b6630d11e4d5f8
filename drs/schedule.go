package drs

import (
	"math"
	"time"
)

// The schedule of a wait: when to ask about each pending job next.
//
// Progress is read as proportional to time, rounded down to the percent or
// to steps (as check items complete); the readings bound the completion to
// a window [lo, hi] (estimate.window). A job is asked about when a reading
// would tell in which half of the window it completes (split), or else from
// lo every fifth of the window so that the last query comes at hi. A job
// whose readings say nothing (no percentage yet, or hi passed) is asked
// about as before this schedule: from blindFirst into the wait, every poll
// interval plus the time a round of queries about every pending job takes,
// growing by half while no job moves; the early look stands in for the
// query that would follow the one at blindFirst.
const (
	// blindFirst is the earliest second query about a job whose first
	// answer said nothing: pre-checks rarely finish sooner.
	blindFirst = 20 * time.Second
	// estimatedMax is how many maximum poll intervals a job whose progress
	// says when it will be done may wait: hi bounds it anyway, this bounds
	// a server whose progress lies.
	estimatedMax = 10
	// A window of possible completion is asked about in windowPolls
	// steps, each at least MinPollInterval and at most maxSpacing apart.
	windowPolls = 5
	maxSpacing  = 3 * time.Second
	// A window this narrow is asked about, not split.
	splitAbove = 2 * time.Second
)

// estimate is what a job's readings say about when its pre-check completes.
type estimate struct {
	start  time.Time     // when the pre-check started at the latest; zero: unknown
	sooner time.Duration // how much sooner it may have started
	p      float64       // the latest reading, in percent; 0: none
	seen   time.Time     // when the latest reading was first answered
	before time.Time     // when the latest query that read less than p was sent
	asked  time.Time     // when the latest reading was asked for
	lo, hi time.Time     // the window of the earlier readings
	gcd    int           // of the whole-number readings so far (0: none)
}

// observe records the reading p of a query sent at sent and answered at got.
func (e *estimate) observe(sent, got time.Time, p float64) {
	switch {
	case p < e.p: // went back: what was learnt no longer holds
		*e = estimate{start: e.start, sooner: e.sooner}
		fallthrough
	case p > e.p:
		if e.start.IsZero() && !e.seen.IsZero() {
			// Started elsewhere: the line through this reading and the
			// previous (the first) one.
			back := time.Duration(float64(got.Sub(e.seen)) * p / (p - e.p))
			e.start = earlier(got.Add(-back), e.seen)
		}
		e.before = e.asked
		e.p, e.seen = p, got
		whole := 1 // a fraction: steps of whole percents
		if p == math.Trunc(p) {
			whole = int(p)
		}
		e.gcd = gcd(e.gcd, whole)
	}
	e.asked = sent
	if e.seen.Equal(got) { // a new reading: keep its window
		if lo, hi, ok := e.window(); ok {
			e.lo, e.hi = lo, hi
		}
	}
}

// step is the granularity the readings are assumed to have: whole percents
// unless they all are multiples of 5 (steps; so is one round first reading:
// the cost of the doubt is an early query, not a late verdict).
func (e *estimate) step() float64 {
	if e.gcd > 0 && e.gcd%5 == 0 {
		return float64(e.gcd)
	}
	return 1
}

// window returns when the pre-check completes at the earliest and at the
// latest, if the readings say.
func (e *estimate) window() (lo, hi time.Time, ok bool) {
	if e.start.IsZero() || e.p <= 0 || e.p >= 100 || e.seen.Before(e.start) {
		return time.Time{}, time.Time{}, false
	}
	at := func(start, t time.Time, p float64) time.Time {
		// A tiny reading (0.0001%) must not overflow a Duration: 1000 h is
		// beyond any maximum interval.
		return start.Add(time.Duration(min(float64(t.Sub(start))*100/p, float64(1000*time.Hour))))
	}
	// The sooner start makes the later completion, and the reverse. The
	// earlier readings' window holds (a step only gets finer, and a coarser
	// one gave an earlier lo).
	hi = at(e.start.Add(-e.sooner), e.seen, e.p)
	if !e.hi.IsZero() {
		hi = earlier(hi, e.hi)
	}
	lo = later(at(e.start, e.asked, e.p+e.step()), e.lo)
	if e.before.After(e.start) {
		lo = later(lo, at(e.start, e.before, e.p))
	}
	return earlier(lo, hi), hi, true
}

// split returns when a reading tells in which half of [lo, hi] the
// pre-check completes: when a completion at the middle would reach the step
// before its last, or else its last (earlier steps cost queries no other job
// shares), above the latest reading and not before from; ok: before lo.
func (e *estimate) split(lo, hi, from time.Time) (time.Time, bool) {
	mid := lo.Add(hi.Sub(lo) / 2)
	for _, q := range []float64{100 - 2*e.step(), 100 - e.step()} {
		t := e.start.Add(time.Duration(float64(mid.Sub(e.start)) * q / 100))
		if q > e.p && !t.Before(from) {
			return t, t.Before(lo)
		}
	}
	return time.Time{}, false
}

// pollJob is one job of a wait and its schedule.
type pollJob struct {
	i    int       // index in the report
	due  time.Time // when to ask next
	sent time.Time // when the latest query about it was sent
	// blindPolls counts the queries sent blindFirst or more into the wait
	// after which its progress said nothing.
	blindPolls int
	// movesSeen is how many answers had shown a job move when the
	// previous answer about it landed.
	movesSeen int
	interval  time.Duration // set by each answer that said nothing
	inFlight  bool
	est       estimate
}

// plan sets when to ask about j next, after an answer of w that arrived at
// now; round is how long asking about every pending job takes.
func (j *pollJob) plan(w *waiter, now time.Time, round time.Duration) {
	ws := w.ws
	moved := w.moves > j.movesSeen // since the previous answer about j
	j.movesSeen = w.moves
	latest := j.sent.Add(estimatedMax * ws.maxPollInterval)
	if lo, hi, ok := j.est.window(); ok && now.Before(hi) {
		soonest := j.sent.Add(MinPollInterval)
		t, ok := j.est.split(lo, hi, soonest)
		if !ok || hi.Sub(lo) <= splitAbove {
			// Every spacing back from hi, from lo on; the spacing of the
			// window as first read: queries that only moved lo do not make
			// the next ones come sooner.
			spacing := min(max(hi.Sub(earlier(lo, j.est.lo))/windowPolls, MinPollInterval), maxSpacing)
			t = later(hi.Add(-hi.Sub(later(lo, soonest))/spacing*spacing), soonest)
		}
		j.due = earlier(t, latest)
		return
	}
	if !j.sent.Before(w.start.Add(blindFirst)) {
		j.blindPolls++
	}
	var skip time.Duration
	if j.blindPolls == 1 && j.interval > 0 {
		skip = ws.pollInterval // an early look (it set the interval) stood in for this query
	}
	j.interval = min(j.interval*3/2, ws.maxPollInterval)
	if moved || j.blindPolls < 2 && skip == 0 {
		j.interval = ws.pollInterval
	}
	j.due = later(j.sent.Add(skip+j.interval+round), w.start.Add(blindFirst))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
