package push

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

const (
	// recordSize is the rs of the single aes128gcm record (RFC 8188 §2).
	recordSize = 4096
	// headerSize is salt (16) + rs (4) + idlen (1) + keyid, where keyid is
	// the sender's 65-byte ephemeral public key (RFC 8291 §4).
	headerSize = 16 + 4 + 1 + 65
	// tagSize is the AES-GCM authentication tag.
	tagSize = 16

	// MaxPayload is the largest plaintext Encrypt accepts: RFC 8291 §4 has a
	// push service accept 4096 octets of body, header included, so one
	// record carries 4096 - 86 (header) - 16 (tag) - 1 (padding delimiter)
	// = 3993 octets.
	MaxPayload = recordSize - headerSize - tagSize - 1
)

// EncryptOption adjusts Encrypt.
type EncryptOption func(*encryptConfig)

type encryptConfig struct {
	pad  int
	salt []byte           // test seam: fixed salt
	key  *ecdh.PrivateKey // test seam: fixed ephemeral key
}

// WithPadding adds n zero octets of padding after the plaintext (RFC 8188
// §2), so that messages of different lengths can look alike on the wire.
// Padding counts against MaxPayload.
func WithPadding(n int) EncryptOption {
	return func(c *encryptConfig) {
		if n > 0 {
			c.pad = n
		}
	}
}

// withSalt and withKey fix the random inputs, so that a test can reproduce
// RFC 8291 Appendix A. They are deliberately unexported: reusing either in
// production breaks the encryption's guarantees.
func withSalt(salt []byte) EncryptOption { return func(c *encryptConfig) { c.salt = salt } }

func withKey(k *ecdh.PrivateKey) EncryptOption { return func(c *encryptConfig) { c.key = k } }

// Encrypt encrypts plaintext for one subscription as an aes128gcm body
// (RFC 8291 §3-4 over RFC 8188): one 4096-octet record, keyid the sender's
// fresh ephemeral public key. Each call uses a new key pair and salt.
func Encrypt(sub Subscription, plaintext []byte, opts ...EncryptOption) ([]byte, error) {
	var c encryptConfig
	for _, o := range opts {
		o(&c)
	}
	if len(plaintext)+c.pad > MaxPayload {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrPayloadTooLarge, len(plaintext)+c.pad, MaxPayload)
	}
	uaPublic, auth, err := sub.keys()
	if err != nil {
		return nil, err
	}
	return encrypt(uaPublic, auth, plaintext, &c)
}

func encrypt(uaPublic *ecdh.PublicKey, auth, plaintext []byte, c *encryptConfig) ([]byte, error) {
	asKey := c.key
	if asKey == nil {
		var err error
		if asKey, err = ecdh.P256().GenerateKey(rand.Reader); err != nil {
			return nil, fmt.Errorf("push: ephemeral key: %w", err)
		}
	}
	asPublic := asKey.PublicKey().Bytes()

	body := make([]byte, headerSize, headerSize+len(plaintext)+c.pad+1+tagSize)
	salt := body[:16]
	if c.salt != nil {
		copy(salt, c.salt)
	} else if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("push: salt: %w", err)
	}
	// RFC 8188 §2.1 header: salt, rs (uint32), idlen, keyid.
	binary.BigEndian.PutUint32(body[16:20], recordSize)
	body[20] = byte(len(asPublic))
	copy(body[21:], asPublic)

	cek, nonce, err := deriveKeys(asKey, uaPublic, auth, salt)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// The record is plaintext || 0x02 || zero padding: 0x02 marks the last
	// (here the only) record (RFC 8188 §2; RFC 8291 §4).
	record := body[headerSize : headerSize+len(plaintext)+1+c.pad]
	copy(record, plaintext)
	record[len(plaintext)] = 0x02
	clear(record[len(plaintext)+1:])
	// Seal in place: the record sequence number is 0, so the nonce is the
	// derived NONCE itself (RFC 8188 §2.3).
	return gcm.Seal(body[:headerSize], nonce, record, nil), nil
}

// deriveKeys runs the sender's side of the key schedule of RFC 8291
// §3.3-3.4 and RFC 8188 §2.2, from its ephemeral private key and the user
// agent's public key.
func deriveKeys(asKey *ecdh.PrivateKey, uaPublic *ecdh.PublicKey, auth, salt []byte) (cek, nonce []byte, err error) {
	ecdhSecret, err := asKey.ECDH(uaPublic)
	if err != nil {
		return nil, nil, fmt.Errorf("push: ecdh: %w", err)
	}
	return deriveFromSecret(ecdhSecret, uaPublic.Bytes(), asKey.PublicKey().Bytes(), auth, salt)
}

func deriveFromSecret(ecdhSecret, uaPublic, asPublic, auth, salt []byte) (cek, nonce []byte, err error) {
	// RFC 8291 §3.4:
	//   PRK_key = HKDF-Extract(salt=auth_secret, IKM=ecdh_secret)
	//   key_info = "WebPush: info" || 0x00 || ua_public || as_public
	//   IKM = HKDF-Expand(PRK_key, key_info, 32)
	keyInfo := make([]byte, 0, 14+65+65)
	keyInfo = append(keyInfo, "WebPush: info\x00"...)
	keyInfo = append(keyInfo, uaPublic...)
	keyInfo = append(keyInfo, asPublic...)
	prkKey, err := hkdf.Extract(sha256.New, ecdhSecret, auth)
	if err != nil {
		return nil, nil, err
	}
	ikm, err := hkdf.Expand(sha256.New, prkKey, string(keyInfo), 32)
	if err != nil {
		return nil, nil, err
	}
	// RFC 8188 §2.2 (with RFC 8291's IKM):
	//   PRK = HKDF-Extract(salt, IKM)
	//   CEK = HKDF-Expand(PRK, "Content-Encoding: aes128gcm" || 0x00, 16)
	//   NONCE = HKDF-Expand(PRK, "Content-Encoding: nonce" || 0x00, 12)
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, nil, err
	}
	if cek, err = hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16); err != nil {
		return nil, nil, err
	}
	if nonce, err = hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12); err != nil {
		return nil, nil, err
	}
	return cek, nonce, nil
}
