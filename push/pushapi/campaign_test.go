package pushapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/campaign"
	"github.com/swkit/swkit/push/pushapi"
	"github.com/swkit/swkit/push/pushtest"
)

// subscribeJSON posts a subscription with extra JSON members.
func (e *env) subscribeJSON(t *testing.T, sub push.Subscription, extra string) (int, string) {
	t.Helper()
	b, _ := json.Marshal(sub)
	body := strings.TrimSuffix(string(b), "}") + "," + extra + "}"
	status, _, resp := e.do(t, "POST", "subscriptions", "application/json", body)
	return status, resp
}

// TestCampaignOverHTTP: with a campaign store, POST send records a
// campaign for the workers and answers with its id; GET campaigns/ID
// (token-protected) shows its counts; tags set at subscribe time target it.
func TestCampaignOverHTTP(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st := b.open(t)
			cs := st.(campaign.Store)
			e := newEnv(t, st, func(o *pushapi.Options) { o.Campaigns = cs })
			news := pushtest.NewSubscription(e.pushSvc)
			if status, body := e.subscribeJSON(t, news, `"tags":["news"]`); status != http.StatusCreated {
				t.Fatalf("subscribe with tags: %d %s", status, body)
			}
			other := pushtest.NewSubscription(e.pushSvc)
			e.subscribe(t, other)
			if status, body := e.subscribeJSON(t, other, `"tags":["bad tag"]`); status != http.StatusBadRequest || !strings.Contains(body, "bad tag") {
				t.Errorf("a bad tag: %d %s, want 400 naming it", status, body)
			}

			status, hdr, body := e.do(t, "POST", "send", "application/json", `{"title":"hi","tags":["news"]}`, "Authorization", "Bearer "+token)
			var got struct{ ID int64 }
			if status != http.StatusAccepted || json.Unmarshal([]byte(body), &got) != nil || got.ID == 0 {
				t.Fatalf("send: %d %s, want 202 with an id", status, body)
			}
			loc := hdr.Get("Location")
			if status, _, _ := e.do(t, "GET", loc, "", ""); status != http.StatusUnauthorized {
				t.Errorf("GET %s without the token: %d, want 401", loc, status)
			}
			status, _, body = e.do(t, "GET", loc, "", "", "Authorization", "Bearer "+token)
			if status != http.StatusOK || !strings.Contains(body, `"queued":1`) || !strings.Contains(body, `"done":false`) {
				t.Errorf("GET %s: %d %s, want 1 queued", loc, status, body)
			}

			w, err := campaign.NewWorker(campaign.WorkerOptions{Store: cs, Sender: senderOf(t, e), Campaign: got.ID, Poll: 10 * time.Millisecond, Logf: t.Logf})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			if err := w.Run(ctx); err != nil {
				t.Fatal(err)
			}
			msgs := e.pushSvc.Messages()
			if len(msgs) != 1 || msgs[0].Endpoint != news.Endpoint || msgs[0].TTL != int(push.DefaultTTL/time.Second) {
				t.Errorf("messages %+v: want one, to the tagged subscription, with the default TTL", msgs)
			}
			status, _, body = e.do(t, "GET", "campaigns/latest", "", "", "Authorization", "Bearer "+token)
			if status != http.StatusOK || !strings.Contains(body, `"delivered":1`) || !strings.Contains(body, `"done":true`) {
				t.Errorf("GET campaigns/latest: %d %s, want 1 delivered, done", status, body)
			}
			if status, _, _ := e.do(t, "GET", "campaigns/999", "", "", "Authorization", "Bearer "+token); status != http.StatusNotFound {
				t.Errorf("GET campaigns/999: %d, want 404", status)
			}
		})
	}
}

// TestSendWaitsForCampaign: POST send?wait=true answers once the workers
// are done, with the counts.
func TestSendWaitsForCampaign(t *testing.T) {
	st := openSQLite(t)
	e := newEnv(t, st, func(o *pushapi.Options) { o.Campaigns = st })
	for range 3 {
		e.subscribe(t, pushtest.NewSubscription(e.pushSvc))
	}
	w, err := campaign.NewWorker(campaign.WorkerOptions{Store: st, Sender: senderOf(t, e), Poll: 10 * time.Millisecond, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	defer func() { cancel(); <-done }()
	status, _, body := e.do(t, "POST", "send?wait=true", "application/json", `{"title":"hi"}`, "Authorization", "Bearer "+token)
	if status != http.StatusOK || !strings.HasSuffix(body, `"delivered":3,"gone":0,"failed":0}`+"\n") {
		t.Errorf("send?wait=true: %d %s", status, body)
	}
}

func senderOf(t *testing.T, e *env) *push.Sender {
	t.Helper()
	v, err := push.ParseVAPIDKeys(e.keys.Public, e.keys.Private)
	if err != nil {
		t.Fatal(err)
	}
	s, err := push.NewSender(v, push.SenderOptions{Subject: subject, AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// quotingStore fails every write with an error that quotes the endpoint,
// as some drivers do.
type quotingStore struct{ pushapi.Store }

func (quotingStore) PutSubscription(_ context.Context, s push.Subscription) (bool, error) {
	return false, errors.New(`duplicate key (endpoint)=(` + s.Endpoint + `)`)
}

func (quotingStore) DeleteSubscription(_ context.Context, endpoint string) error {
	return errors.New(`cannot delete ` + endpoint)
}

// TestStoreErrorsLogOrigins: a store error that quotes an endpoint is
// logged with the endpoint's origin only.
func TestStoreErrorsLogOrigins(t *testing.T) {
	e := newEnv(t, quotingStore{openSQLite(t)}, nil)
	sub := pushtest.NewSubscription(e.pushSvc)
	e.do(t, "POST", "subscriptions", "application/json", mustJSON(sub))
	e.do(t, "DELETE", "subscriptions", "application/json", `{"endpoint":"`+sub.Endpoint+`"}`)
	logs := e.logs.String()
	if !strings.Contains(logs, "duplicate key") || !strings.Contains(logs, "cannot delete") {
		t.Fatalf("logs %q: want both errors", logs)
	}
	if path := strings.TrimPrefix(sub.Endpoint, e.pushSvc.URL); strings.Contains(logs, path) {
		t.Errorf("logs show the endpoint's path: %q", logs)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestReplacedSubscriptionKeepsTags: the worker's re-subscription after
// pushsubscriptionchange names the endpoint it replaces, whose tags carry
// over.
func TestReplacedSubscriptionKeepsTags(t *testing.T) {
	e := newEnv(t, openSQLite(t), nil)
	old := pushtest.NewSubscription(e.pushSvc)
	if status, body := e.subscribeJSON(t, old, `"tags":["news"]`); status != http.StatusCreated {
		t.Fatalf("subscribe: %d %s", status, body)
	}
	fresh := pushtest.NewSubscription(e.pushSvc)
	if status, body := e.subscribeJSON(t, fresh, `"replaces":"`+old.Endpoint+`"`); status != http.StatusCreated {
		t.Fatalf("subscribe with replaces: %d %s", status, body)
	}
	ts := e.store.(pushapi.TagStore)
	if tags, err := ts.Tags(t.Context(), fresh.Endpoint); err != nil || len(tags) != 1 || tags[0] != "news" {
		t.Errorf("tags of the new subscription %v, %v; want [news]", tags, err)
	}
}
