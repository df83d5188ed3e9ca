package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// screenshotDir is where the browser test saves its screenshots.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SMSINBOX_TEST_OUTPUT")
	if dir == "" {
		dir = filepath.Join("testdata", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBrowser drives headless Chromium through the site: home, a number's
// inbox, copying a code, a sender's page, and a message arriving live.
func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skip("chromium is not installed at " + chromiumPath)
	}
	s := newSite(t)
	s.demo()
	shots := screenshotDir(t)

	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// The first action starts the browser; later ones get a deadline.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, 15*time.Second)
		defer scancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	eval := func(expr string) string {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
		defer scancel()
		v, err := chromedp.Run(sctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("evaluating %s: %v", expr, err)
		}
		return v
	}
	shoot := func(name string) {
		t.Helper()
		for _, w := range []int64{390, 1280} {
			sctx, scancel := context.WithTimeout(ctx, 15*time.Second)
			if err := chromedp.Do(sctx, chromedp.EmulateViewport(w, 900)); err != nil {
				scancel()
				t.Fatal(err)
			}
			png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
			scancel()
			if err != nil {
				t.Fatalf("screenshot of %s: %v", name, err)
			}
			if err := os.WriteFile(filepath.Join(shots, name+"-"+itoa(w)+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		step("viewport", chromedp.EmulateViewport(1280, 900))
	}
	if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "clipboard-write", AllowWithoutSanitization: true},
		Setting:    browser.PermissionSettingGranted,
		Origin:     s.url,
	}); err != nil {
		t.Logf("granting clipboard-write: %v", err)
	}
	if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "clipboard-read"},
		Setting:    browser.PermissionSettingGranted,
		Origin:     s.url,
	}); err != nil {
		t.Logf("granting clipboard-read: %v", err)
	}

	// Home: the numbers grid and the latest messages.
	step("open home", chromedp.Navigate(s.url+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="number"]`)))
	shoot("home")

	// Follow a number.
	step("follow a number",
		chromedp.Click(chromedp.CSS(`a.num[href="/number/447400123456"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="number-title"]`)),
	)
	ids := eval(`Array.from(document.querySelectorAll('#messages article')).map(a => a.dataset.id).join(',')`)
	got := strings.Split(ids, ",")
	must(t, len(got) == 3, "number page shows %q, want 3 messages", ids)
	for i := 1; i < len(got); i++ {
		must(t, atoi(got[i-1]) > atoi(got[i]), "messages are not newest first: %s", ids)
	}

	// Copy the newest message's code.
	step("copy a code",
		chromedp.Click(chromedp.CSS(`#messages li:first-child .pill button.copy`)),
		chromedp.WaitVisible(chromedp.CSS(`#messages li:first-child button.copy[data-state="copied"]`)),
	)
	code := eval(`document.querySelector('#messages li:first-child .pill code').textContent`)
	must(t, code != "", "no code shown on the newest message")
	if clip := eval(`navigator.clipboard.readText().catch(() => "")`); clip != "" && clip != code {
		t.Errorf("clipboard holds %q, want %q", clip, code)
	}
	shoot("number")

	// Open the sender page of the newest message.
	step("open a sender",
		chromedp.Click(chromedp.CSS(`#messages li:first-child a.sender`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="sender-title"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.live[data-state="open"]`)),
	)
	title := eval(`document.querySelector('h1').textContent`)
	must(t, strings.Contains(title, "SMS Messages From"), "sender page title is %q", title)

	// A message stored now appears without a reload.
	m := s.insert("+4915112345678", "+9009", "Your Uber code: 2468. Arrived live.", 0)
	start := time.Now()
	step("see the live message",
		chromedp.WaitVisible(chromedp.CSS(`#m-`+itoa(m.ID))),
	)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the live message took %v to appear, want under 2s", d)
	}
	first := eval(`document.querySelector('#messages li').id`)
	must(t, first == "m-"+itoa(m.ID), "the live message is not first: %s", first)
	shoot("sender")

	// Dark mode follows the system setting.
	step("dark mode",
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
			})
			return err
		}),
		chromedp.Navigate(s.url+"/number/447400123456"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="number-title"]`)),
	)
	bg := eval(`getComputedStyle(document.body).backgroundColor`)
	must(t, bg == "rgb(14, 17, 22)", "dark mode background is %s", bg)
	shoot("number-dark")
}
