package helper

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options are what Start needs.
type Options struct {
	Path    string            // the helper's executable (Find)
	Env     map[string]string // its environment: ccq's
	Config  Config
	Timeout time.Duration // bound of the hello exchange

	// Async returns from Start before the helper answers hello: the run
	// does not wait for the helper to start. Sinks names the sinks Config
	// asks for, which ccq checked itself (a ping URL, webhooks): their
	// events wait for hello, and a sink the helper could not set up fails
	// each of its events with why.
	Async bool
	Sinks []string
}

// Client is a running helper, in its own process group.
type Client struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	replies chan Reply // closed when the helper's stdout ends
	exited  chan struct{}
	stderr  *tail
	hello   Reply         // the sinks; the rest is valid once ready is closed
	ready   chan struct{} // closed when hello is answered (or failed)
	helloE  error         // why hello failed

	rt     sync.Mutex // one request at a time
	nextID int64
	dead   error

	mu    sync.Mutex
	calls map[string]*call // by event: each remote sink asks for the same one
}

type call struct {
	done chan struct{}
	errs map[string]string
	err  error
}

// Start runs the helper and sends it the configuration. The reply's
// Errors name the sinks that could not be set up, and why. A helper that
// cannot be started, or that does not answer by the timeout, is an error.
func Start(o Options) (*Client, Reply, error) {
	cmd := exec.Command(o.Path, "sink")
	cmd.Env = environ(o.Env)
	ownGroup(cmd)
	c := &Client{cmd: cmd, replies: make(chan Reply, 4), exited: make(chan struct{}),
		stderr: &tail{max: 2 << 10}, calls: map[string]*call{}, ready: make(chan struct{})}
	cmd.Stderr = c.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, Reply{}, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, Reply{}, err
	}
	if err := cmd.Start(); err != nil {
		return nil, Reply{}, fmt.Errorf("start %s: %w", Name, err)
	}
	c.stdin = stdin
	go c.read(stdout)
	go func() { _ = cmd.Wait(); close(c.exited) }()
	cfg := o.Config
	hello := func() (Reply, error) {
		ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
		defer cancel()
		r, err := c.roundTrip(ctx, Request{Event: EventHello, Config: &cfg})
		c.mu.Lock()
		c.helloE, c.hello.Errors = err, r.Errors
		c.mu.Unlock()
		close(c.ready)
		return r, err
	}
	if o.Async {
		rep := Reply{V: Version, Sinks: o.Sinks}
		c.hello = rep
		go func() { _, _ = hello() }()
		return c, rep, nil
	}
	r, err := hello()
	if err != nil {
		c.Close(time.Second)
		return nil, r, err
	}
	c.hello = r
	return c, r, nil
}

// setupErr waits, until ctx is done, for the helper's answer to hello and
// returns why the sink name is not there, if it is not.
func (c *Client) setupErr(ctx context.Context, name string) error {
	select {
	case <-c.ready:
	case <-ctx.Done():
		return fmt.Errorf("%s: not started in time (%w)", Name, ctx.Err())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.helloE != nil {
		return c.helloE
	}
	if m := c.hello.Errors[name]; m != "" {
		return errors.New(m)
	}
	return nil
}

// read turns the helper's stdout into replies. A line that is not one
// ends the conversation: a helper that speaks otherwise is not ours.
func (c *Client) read(stdout io.Reader) {
	defer close(c.replies)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var r Reply
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.V != Version {
			return
		}
		c.replies <- r
	}
}

// roundTrip sends req and waits for its reply until ctx is done; then the
// helper is killed and every later request fails at once.
func (c *Client) roundTrip(ctx context.Context, req Request) (Reply, error) {
	c.rt.Lock()
	defer c.rt.Unlock()
	if c.dead != nil {
		return Reply{}, c.dead
	}
	c.nextID++
	req.V, req.ID = Version, c.nextID
	if dl, ok := ctx.Deadline(); ok {
		req.TimeoutMs = max(1, time.Until(dl).Milliseconds())
	}
	b, err := json.Marshal(req)
	if err != nil {
		return Reply{}, err
	}
	if _, err := c.stdin.Write(append(b, '\n')); err != nil {
		return Reply{}, c.fail(fmt.Errorf("%s stopped: %w", Name, c.exitErr(err)))
	}
	for {
		select {
		case r, ok := <-c.replies:
			switch {
			case !ok:
				return Reply{}, c.fail(fmt.Errorf("%s stopped: %w", Name, c.exitErr(nil)))
			case r.ID != req.ID:
				continue
			case r.Error != "":
				return r, fmt.Errorf("%s: %s", Name, r.Error)
			}
			return r, nil
		case <-ctx.Done():
			return Reply{}, c.fail(fmt.Errorf("%s: no answer in time (%w); stopped it", Name, ctx.Err()))
		}
	}
}

// fail marks the helper dead, kills its process group and returns err.
func (c *Client) fail(err error) error {
	c.dead = err
	killGroup(c.cmd)
	return err
}

// exitErr is how the helper ended, with the end of what it said on
// stderr; err when it has not ended within a second.
func (c *Client) exitErr(err error) error {
	select {
	case <-c.exited:
		err = errors.New(c.cmd.ProcessState.String())
	case <-time.After(time.Second):
		if err == nil {
			err = errors.New("closed its output")
		}
	}
	if s := c.stderr.String(); s != "" {
		err = fmt.Errorf("%w: %s", err, s)
	}
	return err
}

// event sends one event once, however many remote sinks ask for it, and
// returns the errors by sink.
func (c *Client) event(ctx context.Context, key string, req Request) (map[string]string, error) {
	c.mu.Lock()
	cl, ok := c.calls[key]
	if !ok {
		cl = &call{done: make(chan struct{})}
		c.calls[key] = cl
	}
	c.mu.Unlock()
	if !ok {
		r, err := c.roundTrip(ctx, req)
		cl.errs, cl.err = r.Errors, err
		close(cl.done)
	}
	select {
	case <-cl.done:
		return cl.errs, cl.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Check sends ccq check's message to the helper's notify sink.
func (c *Client) Check(ctx context.Context, text string) error {
	if err := c.setupErr(ctx, SinkNotify); err != nil {
		return err
	}
	r, err := c.roundTrip(ctx, Request{Event: EventCheck, Text: text}) // each call a message of its own
	if err != nil {
		return err
	}
	if m := r.Errors[SinkNotify]; m != "" {
		return errors.New(m)
	}
	return nil
}

// Close ends the helper: it closes its stdin, which has it shut its sinks
// down, and kills its process group if it has not exited by timeout.
func (c *Client) Close(timeout time.Duration) error {
	c.rt.Lock()
	defer c.rt.Unlock()
	_ = c.stdin.Close()
	select {
	case <-c.exited:
	case <-time.After(timeout):
		killGroup(c.cmd)
		<-c.exited
		return fmt.Errorf("%s: did not exit within %v; stopped it", Name, timeout)
	}
	if c.dead == nil && !c.cmd.ProcessState.Success() {
		return fmt.Errorf("%s: %s", Name, c.exitErr(nil))
	}
	return nil
}

func eventKey(event string, run *Run) string {
	return event + "\x00" + run.RunID + "\x00" + strconv.Itoa(run.Attempt)
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(strings.ToValidUTF8(string(t.b), "?"))
}
