package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/swkit/swkit/push"
)

// KeyStore keeps the demo's VAPID keys; the SQLite and PostgreSQL stores
// (*sqlite.Store, *postgres.Store) are ones.
type KeyStore interface {
	// InitSetting returns the value stored under name, storing value there
	// first when there is none.
	InitSetting(ctx context.Context, name, value string) (string, error)
}

// Subject is the contact the demo gives push services (RFC 8292 §2.1)
// unless one is configured: example.com is reserved, so it reaches nobody,
// which a demo may do but a real deployment must not.
const Subject = "mailto:swkit-demo@example.com"

// keysSetting is the name the keys are stored under.
const keysSetting = "demo vapid keys"

// VAPIDKeys returns the demo's VAPID key pair: made on the first call and
// kept in st, the store that also keeps the subscriptions made with it
// (a subscription is bound to the public key), and the same ever after.
func VAPIDKeys(ctx context.Context, st KeyStore) (push.VAPIDKeys, error) {
	fresh, err := push.GenerateVAPIDKeys()
	if err != nil {
		return push.VAPIDKeys{}, err
	}
	b, err := json.Marshal(fresh)
	if err != nil {
		return push.VAPIDKeys{}, err
	}
	stored, err := st.InitSetting(ctx, keysSetting, string(b))
	if err != nil {
		return push.VAPIDKeys{}, fmt.Errorf("demo push keys: %w", err)
	}
	var keys push.VAPIDKeys
	if err := json.Unmarshal([]byte(stored), &keys); err != nil || keys.Public == "" || keys.Private == "" {
		return push.VAPIDKeys{}, errors.Join(errors.New("demo push keys: the stored keys are damaged"), err)
	}
	return keys, nil
}
