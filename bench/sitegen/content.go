package main

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
)

type stats struct {
	Files, Fingerprinted, Big, Dirs int
	Bytes                           int64
}

// generate plans the tree and writes it to o.Out.
func generate(o options) (stats, error) {
	p, err := newPlan(o)
	if err != nil {
		return stats{}, err
	}
	if err := checkEmpty(o.Out); err != nil {
		return stats{}, err
	}
	var st stats
	for _, d := range p.dirs {
		if err := os.MkdirAll(filepath.Join(o.Out, filepath.FromSlash(d)), 0o755); err != nil {
			return stats{}, err
		}
		st.Dirs++
	}
	for _, f := range p.files {
		st.Files++
		st.Bytes += f.size
		if f.hashed {
			st.Fingerprinted++
		}
		if f.big {
			st.Big++
		}
	}
	// Each file's bytes depend only on its own seed, so the workers' order
	// does not matter.
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, len(p.files))
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var buf []byte
			for {
				i := int(next.Add(1)) - 1
				if i >= len(p.files) {
					return
				}
				f := p.files[i]
				buf = content(buf[:0], f)
				if int64(len(buf)) != f.size {
					panic(fmt.Sprintf("%s: made %d bytes, want %d", f.path, len(buf), f.size))
				}
				errs[i] = os.WriteFile(filepath.Join(o.Out, filepath.FromSlash(f.path)), buf, 0o644)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return stats{}, err
		}
	}
	return st, nil
}

// content appends the bytes of f to buf: exactly f.size of them.
func content(buf []byte, f *file) []byte {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], f.seed)
	copy(key[8:], "swkit sitegen content")
	r := rand.New(rand.NewChaCha8(key))
	switch f.kind.ext {
	case "html":
		return textFile(buf, r, f.size, htmlHead, htmlUnit, "</main>\n</body>\n</html>\n")
	case "css":
		return textFile(buf, r, f.size, "@charset \"utf-8\";\n:root{--accent:#3367d6}\n", cssUnit, "\n")
	case "js":
		return textFile(buf, r, f.size, "\"use strict\";\n", jsUnit, "//# sourceMappingURL=app.js.map\n")
	case "map":
		return textFile(buf, r, f.size, `{"version":3,"sources":["src/app.ts","src/ui.ts"],"names":[],"mappings":"`, mapUnit, "\"}\n")
	case "json":
		return textFile(buf, r, f.size, `{"items":[`, jsonUnit, "{}]}\n")
	case "svg":
		return textFile(buf, r, f.size, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">`+"\n", svgUnit, "</svg>\n")
	case "png":
		return png(buf, r, f.size)
	case "jpg":
		return binaryFile(buf, r, f.size,
			[]byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0},
			[]byte{0xFF, 0xD9})
	case "webp":
		h := []byte("RIFF\x00\x00\x00\x00WEBPVP8 \x00\x00\x00\x00")
		binary.LittleEndian.PutUint32(h[4:], uint32(f.size-8))
		binary.LittleEndian.PutUint32(h[16:], uint32(f.size-20))
		return binaryFile(buf, r, f.size, h, nil)
	case "gif":
		h := []byte("GIF89a\x40\x01\xf0\x00\xf7\x00\x00")
		return binaryFile(buf, r, f.size, h, []byte{0x3B})
	case "woff2":
		h := make([]byte, 48) // the WOFF2 header
		copy(h, "wOF2")
		binary.BigEndian.PutUint32(h[4:], 0x00010000) // TrueType flavour
		binary.BigEndian.PutUint32(h[8:], uint32(f.size))
		binary.BigEndian.PutUint16(h[12:], 12) // numTables
		return binaryFile(buf, r, f.size, h, nil)
	}
	panic("no content for " + f.kind.ext)
}

// binaryFile is head, seeded random bytes, tail: incompressible, like real
// compressed images and fonts.
func binaryFile(buf []byte, r *rand.Rand, size int64, head, tail []byte) []byte {
	buf = append(buf, head...)
	n := int(size) - len(head) - len(tail)
	start := len(buf)
	buf = append(buf, make([]byte, n)...)
	fillRandom(buf[start:], r)
	return append(buf, tail...)
}

func fillRandom(b []byte, r *rand.Rand) {
	for len(b) >= 8 {
		binary.LittleEndian.PutUint64(b, r.Uint64())
		b = b[8:]
	}
	if len(b) > 0 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], r.Uint64())
		copy(b, w[:])
	}
}

// png writes the signature, an IHDR chunk, one IDAT chunk of random bytes and
// IEND, with correct lengths and CRCs.
func png(buf []byte, r *rand.Rand, size int64) []byte {
	buf = append(buf, "\x89PNG\r\n\x1a\n"...)
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(64+r.IntN(1000)))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(64+r.IntN(1000)))
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	buf = pngChunk(buf, "IHDR", ihdr)
	idat := make([]byte, int(size)-8-(12+13)-12-12)
	fillRandom(idat, r)
	buf = pngChunk(buf, "IDAT", idat)
	return pngChunk(buf, "IEND", nil)
}

func pngChunk(buf []byte, typ string, data []byte) []byte {
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(data)))
	start := len(buf)
	buf = append(buf, typ...)
	buf = append(buf, data...)
	return binary.BigEndian.AppendUint32(buf, crc32.ChecksumIEEE(buf[start:]))
}

// textFile is head, units of generated text while they fit, whitespace up to
// the exact size, tail. The padding is at most one unit long.
func textFile(buf []byte, r *rand.Rand, size int64, head string, unit func([]byte, *rand.Rand) []byte, tail string) []byte {
	start := len(buf)
	end := start + int(size) - len(tail)
	buf = append(buf, head...)
	if len(buf) > end { // tiny file: no room for the head
		buf = buf[:start]
	}
	for {
		before := len(buf)
		buf = unit(buf, r)
		if len(buf) > end {
			buf = buf[:before]
			break
		}
	}
	for len(buf) < end {
		if (len(buf)-start)%80 == 79 {
			buf = append(buf, '\n')
		} else {
			buf = append(buf, ' ')
		}
	}
	if len(buf)+len(tail) > start+int(size) {
		// Not even the tail fits: cut it.
		return append(buf, tail[:start+int(size)-len(buf)]...)
	}
	return append(buf, tail...)
}

var words = []string{
	"the", "offline", "cache", "worker", "service", "page", "update", "network", "user",
	"fresh", "install", "activate", "fetch", "response", "request", "image", "style",
	"script", "build", "deploy", "version", "content", "hash", "browser", "site", "quick",
	"reliable", "progressive", "app", "data", "sync", "push", "notification", "lorem",
	"ipsum", "dolor", "amet", "consectetur", "adipiscing", "elit", "sed", "tempor",
	"incididunt", "labore", "magna", "aliqua", "enim", "minim", "veniam", "nostrud",
}

func word(r *rand.Rand) string { return words[r.IntN(len(words))] }

func sentence(buf []byte, r *rand.Rand, n int) []byte {
	for i := range n {
		if i > 0 {
			buf = append(buf, ' ')
		}
		buf = append(buf, word(r)...)
	}
	return buf
}

const htmlHead = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Offline-first site</title>
<link rel="stylesheet" href="/css/app.css">
<script type="module" src="/js/app.js"></script>
</head>
<body>
<main>
`

func htmlUnit(buf []byte, r *rand.Rand) []byte {
	switch r.IntN(5) {
	case 0:
		buf = append(buf, "<h2 id=\""...)
		buf = append(buf, word(r)...)
		buf = append(buf, "\">"...)
		buf = sentence(buf, r, 2+r.IntN(5))
		return append(buf, "</h2>\n"...)
	case 1:
		buf = append(buf, "<a class=\"nav-link\" href=\"/"...)
		buf = append(buf, word(r)...)
		buf = append(buf, '/')
		buf = append(buf, word(r)...)
		buf = append(buf, ".html\">"...)
		buf = sentence(buf, r, 1+r.IntN(3))
		return append(buf, "</a>\n"...)
	case 2:
		buf = append(buf, "<img src=\"/img/"...)
		buf = append(buf, word(r)...)
		buf = append(buf, '-')
		buf = strconv.AppendInt(buf, int64(r.IntN(1000)), 10)
		buf = append(buf, ".webp\" alt=\""...)
		buf = sentence(buf, r, 3)
		return append(buf, "\" width=\"640\" height=\"480\" loading=\"lazy\">\n"...)
	default:
		buf = append(buf, "<p class=\""...)
		buf = append(buf, word(r)...)
		buf = append(buf, "\">"...)
		buf = sentence(buf, r, 8+r.IntN(30))
		return append(buf, ".</p>\n"...)
	}
}

func cssUnit(buf []byte, r *rand.Rand) []byte {
	buf = append(buf, '.')
	buf = append(buf, word(r)...)
	buf = append(buf, '-')
	buf = append(buf, word(r)...)
	buf = append(buf, "{display:flex;margin:"...)
	buf = strconv.AppendInt(buf, int64(r.IntN(32)), 10)
	buf = append(buf, "px "...)
	buf = strconv.AppendInt(buf, int64(r.IntN(32)), 10)
	buf = append(buf, "px;color:#"...)
	for range 6 {
		buf = append(buf, hexDigits[r.IntN(16)])
	}
	buf = append(buf, ";font-size:"...)
	buf = strconv.AppendInt(buf, int64(10+r.IntN(20)), 10)
	return append(buf, "px}\n"...)
}

func jsUnit(buf []byte, r *rand.Rand) []byte {
	switch r.IntN(3) {
	case 0:
		buf = append(buf, "function "...)
		buf = append(buf, word(r)...)
		buf = strconv.AppendInt(buf, int64(r.IntN(10000)), 10)
		buf = append(buf, "(e,t){if(!e)return null;const n=t."...)
		buf = append(buf, word(r)...)
		buf = append(buf, "||\""...)
		buf = append(buf, word(r)...)
		buf = append(buf, "\";return e.map(r=>r+n+"...)
		buf = strconv.AppendInt(buf, int64(r.IntN(100)), 10)
		return append(buf, ")}\n"...)
	case 1:
		buf = append(buf, "const "...)
		buf = append(buf, word(r)...)
		buf = append(buf, '_')
		buf = strconv.AppendInt(buf, int64(r.IntN(10000)), 10)
		buf = append(buf, "=\""...)
		buf = sentence(buf, r, 3+r.IntN(8))
		return append(buf, "\";\n"...)
	default:
		buf = append(buf, "export class "...)
		buf = append(buf, word(r)...)
		buf = append(buf, "View{constructor(e){this.el=e;this.state={"...)
		buf = append(buf, word(r)...)
		buf = append(buf, ":"...)
		buf = strconv.AppendInt(buf, int64(r.IntN(1000)), 10)
		return append(buf, "}}render(){return this.el.textContent=JSON.stringify(this.state)}}\n"...)
	}
}

const vlq = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func mapUnit(buf []byte, r *rand.Rand) []byte {
	for range 4 + r.IntN(8) {
		buf = append(buf, vlq[r.IntN(12)], vlq[r.IntN(32)], vlq[r.IntN(64)], vlq[r.IntN(16)])
		buf = append(buf, ',')
	}
	return append(buf, ';')
}

func jsonUnit(buf []byte, r *rand.Rand) []byte {
	buf = append(buf, `{"id":`...)
	buf = strconv.AppendInt(buf, int64(r.IntN(1_000_000)), 10)
	buf = append(buf, `,"title":"`...)
	buf = sentence(buf, r, 2+r.IntN(6))
	buf = append(buf, `","tags":["`...)
	buf = append(buf, word(r)...)
	buf = append(buf, `","`...)
	buf = append(buf, word(r)...)
	buf = append(buf, `"],"price":`...)
	buf = strconv.AppendInt(buf, int64(r.IntN(10000)), 10)
	return append(buf, "},\n"...)
}

func svgUnit(buf []byte, r *rand.Rand) []byte {
	buf = append(buf, `<path fill="#`...)
	for range 6 {
		buf = append(buf, hexDigits[r.IntN(16)])
	}
	buf = append(buf, `" d="M`...)
	for i := range 3 + r.IntN(6) {
		if i > 0 {
			buf = append(buf, 'L')
		}
		buf = strconv.AppendInt(buf, int64(r.IntN(64)), 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, int64(r.IntN(64)), 10)
	}
	return append(buf, "Z\"/>\n"...)
}
