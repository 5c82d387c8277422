package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/swkit/swkit/push"
)

// runVapid prints a new VAPID key pair, as lines for an env file or as JSON.
func runVapid(args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("vapid", "[--json]", stderr)
	asJSON := fl.Bool("json", false, `print {"publicKey": ..., "privateKey": ...} instead of env-file lines`)
	pos, err := parseFlags(fl, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "swkit vapid: unexpected argument %q\n", pos[0])
		fl.Usage()
		return errUsage
	}
	keys, err := push.GenerateVAPIDKeys()
	if err != nil {
		return err
	}
	if *asJSON {
		b, err := json.Marshal(keys)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s=%s\n%s=%s\n", envPublicKey, keys.Public, envPrivateKey, keys.Private)
	return err
}
