package main

// Several smsinbox server processes on one PostgreSQL database act as one
// site.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"smsinbox/store/storetest"

	_ "github.com/jackc/pgx/v5/stdlib"
)

const postgresEnv = storetest.PostgresEnv

// postgresSchema is an address of the test database whose search_path is
// a schema of the test's own.
func postgresSchema(t testing.TB) string { return storetest.PostgresSchema(t, "multinode_") }

var nodeListening = regexp.MustCompile(`msg=listening addr=(\S+)`)

// serve starts one node and returns its base URL.
func serveNode(t *testing.T, bin, dsn, token string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--demo=false",
		"--auto-add-numbers", "--ingest-token", token, "--retention", "0", "--log-level", "info", "--log-format", "text")
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	addr := make(chan string, 1)
	var log strings.Builder
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			log.WriteString(line + "\n")
			if m := nodeListening.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case a := <-addr:
		return "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatalf("the node did not start listening:\n%s", log.String())
	}
	return ""
}

// TestTwoNodesOneDatabase posts a message to node A and expects it live on
// node B: on its Server-Sent Events stream and in a waiting API request.
func TestTwoNodesOneDatabase(t *testing.T) {
	dsn := postgresSchema(t)
	bin := binary(t)
	const token = "multinode-token"
	a := serveNode(t, bin, dsn, token)
	b := serveNode(t, bin, dsn, token)
	ingest := func(body string) int64 {
		t.Helper()
		post, _ := http.NewRequest("POST", a+"/ingest/json", strings.NewReader(`{"to":"+447400123456","from":"Bank","body":"`+body+`"}`))
		post.Header.Set("Authorization", "Bearer "+token)
		post.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(post)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var answer struct {
			MessageIDs []int64 `json:"message_ids"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || resp.StatusCode != 200 || len(answer.MessageIDs) != 1 {
			t.Fatalf("node A /ingest/json answered %d %+v %v", resp.StatusCode, answer, err)
		}
		return answer.MessageIDs[0]
	}
	first := ingest("Your code is 111111")

	// Node B: a live stream of the home page and a waiting API client.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", b+"/events", nil)
	stream, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	if stream.StatusCode != 200 {
		t.Fatalf("node B /events answered %d", stream.StatusCode)
	}
	events := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stream.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var ev strings.Builder
		for sc.Scan() {
			if sc.Text() == "" {
				events <- ev.String()
				ev.Reset()
				continue
			}
			ev.WriteString(sc.Text() + "\n")
		}
		close(events)
	}()
	type listing struct {
		Items []struct {
			MessageID int64  `json:"message_id"`
			Body      string `json:"body"`
		} `json:"items"`
	}
	waited := make(chan listing, 1)
	waitErr := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/v1/messages?after=%d&wait=30s", b, first), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			waitErr <- err
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			msg, _ := io.ReadAll(resp.Body)
			waitErr <- fmt.Errorf("node B's waiting request answered %d: %s", resp.StatusCode, msg)
			return
		}
		var l listing
		if err := json.NewDecoder(resp.Body).Decode(&l); err != nil {
			waitErr <- err
			return
		}
		waited <- l
	}()
	time.Sleep(300 * time.Millisecond) // let both requests subscribe

	// Node A stores a message.
	body := fmt.Sprintf("Your code is %06d", time.Now().UnixNano()%1000000)
	id := ingest(body)
	stored := time.Now()

	select {
	case l := <-waited:
		if len(l.Items) != 1 || l.Items[0].Body != body || l.Items[0].MessageID != id {
			t.Fatalf("node B's waiting request answered %+v, want the message %q", l, body)
		}
	case err := <-waitErr:
		t.Fatal(err)
	case <-ctx.Done():
		t.Fatal("node B's waiting request did not answer")
	}
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("node B's event stream ended before the message")
			}
			if strings.Contains(ev, "data:") && strings.Contains(ev, strings.TrimPrefix(body, "Your code is ")) {
				t.Logf("node B showed the message %v after node A stored it", time.Since(stored).Round(time.Millisecond))
				return
			}
		case <-ctx.Done():
			t.Fatal("node B's event stream did not show the message stored through node A")
		}
	}
}
