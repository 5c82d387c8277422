package push

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// Subscription is a browser's push subscription, in the JSON form of
// PushSubscription.toJSON(): the endpoint URL of the push service and the
// user agent's keys for message encryption (RFC 8291 §2).
type Subscription struct {
	Endpoint string `json:"endpoint"`
	// ExpirationTime is the subscription's expiry in milliseconds since the
	// epoch, or nil when it has none (the common case).
	ExpirationTime *int64 `json:"expirationTime"`
	Keys           struct {
		P256dh string `json:"p256dh"` // uncompressed P-256 point, base64url
		Auth   string `json:"auth"`   // 16-byte authentication secret, base64url
	} `json:"keys"`
}

// ParseSubscription reads the JSON a page posts (PushSubscription.toJSON())
// and validates it: an absolute https endpoint, p256dh a point on P-256 and
// auth 16 bytes. An http endpoint is accepted only on a loopback host, for
// test push services such as package pushtest's. It does not apply the
// private-address policy; call [CheckEndpoint] for that before storing it.
func ParseSubscription(data []byte) (Subscription, error) {
	var s Subscription
	if err := json.Unmarshal(data, &s); err != nil {
		return Subscription{}, &SubscriptionError{Err: err}
	}
	if err := s.validate(); err != nil {
		return Subscription{}, err
	}
	return s, nil
}

func (s *Subscription) validate() error {
	if err := checkURL(s.Endpoint); err != nil {
		return &SubscriptionError{Field: "endpoint", Err: err}
	}
	_, _, err := s.keys()
	return err
}

// checkURL checks the form of an endpoint: an absolute https URL, or http
// on a loopback host, where only a test service could be; CheckEndpoint
// makes the final call with the operator's policy.
func checkURL(endpoint string) error {
	u, err := url.Parse(endpoint)
	switch {
	case err != nil:
		return err
	case !u.IsAbs() || u.Host == "" || u.Opaque != "":
		return errors.New("want an absolute URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("scheme %q, want https", u.Scheme)
	case u.User != nil:
		return errors.New("user information is not allowed")
	case u.Scheme == "http" && !isLocalHost(u.Hostname()):
		return errors.New("want https")
	}
	return nil
}

// CheckEndpoint applies the policy for where a Sender may post: an https
// URL of a public host. Unless allowPrivate, it refuses http, host names
// that mean this machine (localhost, *.localhost) and IP literals that are
// loopback, private (RFC 1918, fc00::/7), link-local, unspecified,
// multicast or otherwise not globally routable. Host names that resolve to
// such addresses are caught when the Sender dials (see [SenderOptions]),
// since DNS can change between this check and the request. The error is a
// *SubscriptionError for the field "endpoint".
func CheckEndpoint(endpoint string, allowPrivate bool) error {
	if err := checkPolicy(endpoint, allowPrivate); err != nil {
		return &SubscriptionError{Field: "endpoint", Err: err}
	}
	return nil
}

func checkPolicy(endpoint string, allowPrivate bool) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return err
	}
	if !u.IsAbs() || u.Host == "" {
		return errors.New("want an absolute URL")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !allowPrivate {
			return errors.New("want https")
		}
	default:
		return fmt.Errorf("scheme %q, want https", u.Scheme)
	}
	if allowPrivate {
		return nil
	}
	host := u.Hostname()
	if isLocalHost(host) {
		return fmt.Errorf("host %q is this machine", host)
	}
	if ip, err := netip.ParseAddr(host); err == nil && !publicAddr(ip) {
		return fmt.Errorf("address %s is not public", ip)
	}
	return nil
}

// isLocalHost reports names that resolve to this machine by convention
// (RFC 6761 §6.3) and loopback IP literals.
func isLocalHost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.Unmap().IsLoopback()
}

// publicAddr reports whether ip is a globally routable unicast address.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid(), ip.IsUnspecified(), ip.IsLoopback(), ip.IsPrivate(),
		ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(), ip.IsMulticast(),
		ip.IsInterfaceLocalMulticast():
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// nonPublic lists special-purpose ranges that netip's predicates miss.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network" (RFC 791)
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT (RFC 6598)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking (RFC 2544)
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64 (RFC 8215)
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
}

// dialAddrAllowed is the dial-time half of the policy: it sees the address
// a host name actually resolved to.
func dialAddrAllowed(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("dial %s: not an IP address", address)
	}
	if !publicAddr(ip) {
		// The same error as CheckEndpoint's for an IP literal.
		return &SubscriptionError{Field: "endpoint", Err: fmt.Errorf("address %s is not public", ip)}
	}
	return nil
}
