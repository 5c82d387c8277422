package push

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"

	"code.dny.dev/ssrf"
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
//
// The endpoint comes back in its normal form (see [NormalizeEndpoint]), so
// that one browser's subscription is stored once however it was spelt.
func ParseSubscription(data []byte) (Subscription, error) {
	var s Subscription
	if err := json.Unmarshal(data, &s); err != nil {
		return Subscription{}, &SubscriptionError{Err: err}
	}
	if err := s.validate(); err != nil {
		return Subscription{}, err
	}
	s.Endpoint, _ = NormalizeEndpoint(s.Endpoint) // validate parsed it
	return s, nil
}

// NormalizeEndpoint returns the normal form of an endpoint URL, the one
// swkit stores: scheme and host in lower case, the host without a trailing
// dot, no default port, no fragment, and the path without "." and ".."
// segments (RFC 3986 §6.2.2). Spellings that reach the same push resource
// then compare equal.
func NormalizeEndpoint(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", err
	}
	u.Scheme = strings.ToLower(u.Scheme)
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if p := u.Port(); p != "" && !(u.Scheme == "https" && p == "443") && !(u.Scheme == "http" && p == "80") {
		host += ":" + p
	}
	u.Host = host
	u.Fragment, u.RawFragment = "", ""
	if u.Path != "" {
		// An empty reference keeps the URL and removes its dot segments.
		u = u.ResolveReference(&url.URL{})
	}
	return u.String(), nil
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
		return notPublic(ip)
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

// guardian holds the special-purpose ranges: IANA's IPv4 and IPv6
// special-purpose registries as code.dny.dev/ssrf generates them (private,
// loopback, link-local, documentation, benchmarking, 6to4 and its relay
// anycast 192.88.99.0/24, Teredo and the rest of 2001::/23), and for IPv6
// nothing outside global unicast 2000::/3, which leaves out NAT64
// 64:ff9b::/96, IPv4-compatible ::a.b.c.d, site-local and unique-local.
var guardian = ssrf.New(ssrf.WithAnyPort(), ssrf.WithAnyNetwork())

// publicAddr reports whether ip is a globally routable unicast address
// that does not lead somewhere else: an address that embeds an IPv4
// address (NAT64, 6to4, Teredo, IPv4-compatible) is refused whatever the
// IPv4 address, since the translator in between may reach the inside.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid(), ip.IsUnspecified(), ip.IsLoopback(), ip.IsPrivate(),
		ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(), ip.IsMulticast(),
		ip.IsInterfaceLocalMulticast():
		return false
	}
	return guardian.SafeAddr(ip) == nil
}

// notPublic is the error for an address publicAddr refuses, naming the
// IPv4 address one embeds, so that the operator sees where it leads.
func notPublic(ip netip.Addr) error {
	if v4, kind, ok := embeddedIPv4(ip.Unmap()); ok {
		return fmt.Errorf("address %s (%s for %s) is not public", ip, kind, v4)
	}
	return fmt.Errorf("address %s is not public", ip)
}

var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour  = netip.MustParsePrefix("2002::/16")
	teredo     = netip.MustParsePrefix("2001::/32")
	v4compat   = netip.MustParsePrefix("::/96")
)

// embeddedIPv4 decodes the IPv4 address inside the IPv6 forms that carry
// one: NAT64 (RFC 6052, last 32 bits), 6to4 (RFC 3056, bits 16-47),
// Teredo (RFC 4380, the client's address in the last 32 bits, inverted)
// and IPv4-compatible (RFC 4291 §2.5.5.1, last 32 bits).
func embeddedIPv4(ip netip.Addr) (netip.Addr, string, bool) {
	if !ip.Is6() {
		return netip.Addr{}, "", false
	}
	b := ip.As16()
	last := netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	switch {
	case nat64.Contains(ip), nat64Local.Contains(ip):
		return last, "NAT64", true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), "6to4", true
	case teredo.Contains(ip):
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), "Teredo", true
	case v4compat.Contains(ip) && !ip.IsUnspecified() && !ip.IsLoopback():
		return last, "IPv4-compatible", true
	}
	return netip.Addr{}, "", false
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
		return &SubscriptionError{Field: "endpoint", Err: notPublic(ip)}
	}
	return nil
}
