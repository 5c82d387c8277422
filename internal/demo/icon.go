package demo

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"sync"
)

// iconSize is the side of the demo's source icon: 512 pixels, the size
// swkit's manifest icons want.
const iconSize = 512

// drawFace draws a cat's face centred at (cx, cy), k times the size of the
// face in the 480x360 cats. At k = 1 every coordinate is the same integer
// as before, so the cats' bytes (and ETags) do not change.
func drawFace(img *image.RGBA, cx, cy int, k float64, s catStyle) {
	n := func(v int) int { return int(float64(v) * k) }
	p := func(dx, dy int) image.Point { return pt(cx+n(dx), cy+n(dy)) }
	w := func(v int) int { return max(1, n(v)) }
	// Ears first, so the head covers their bases.
	fillTriangle(img, p(-100, -40), p(-85, -150), p(-20, -95), s.fur)
	fillTriangle(img, p(100, -40), p(85, -150), p(20, -95), s.fur)
	fillTriangle(img, p(-82, -58), p(-76, -125), p(-38, -92), s.inner)
	fillTriangle(img, p(82, -58), p(76, -125), p(38, -92), s.inner)
	fillEllipse(img, cx, cy, n(110), n(102), s.fur)

	// Eyes: white, iris, slit pupil, highlight.
	for _, side := range []int{-1, 1} {
		e := p(side*42, -20)
		fillEllipse(img, e.X, e.Y, n(24), n(20), white)
		fillEllipse(img, e.X, e.Y, n(17), n(17), s.eyes)
		fillEllipse(img, e.X, e.Y, n(5), n(15), black)
		h := p(side*42+6, -27)
		fillEllipse(img, h.X, h.Y, n(4), n(4), white)
	}

	// Nose, mouth and whiskers.
	fillTriangle(img, p(-13, 18), p(13, 18), p(0, 32), s.inner)
	ink := black
	if luma(s.fur) < 96 { // a dark cat needs light whiskers
		ink = rgb(0xe5, 0xe7, 0xeb)
	}
	line(img, p(0, 32), p(0, 42), w(3), ink)
	for _, side := range []int{-1, 1} { // a smiling "w"
		line(img, p(0, 42), p(side*10, 50), w(3), ink)
		line(img, p(side*10, 50), p(side*20, 42), w(3), ink)
	}
	for _, dy := range []int{-8, 6, 20} {
		line(img, p(-30, 30), p(-125, 30+dy*2), w(2), ink)
		line(img, p(30, 30), p(125, 30+dy*2), w(2), ink)
	}
}

// sharedIcon is the demo's source icon, drawn once per process.
var sharedIcon = sync.OnceValues(func() ([]byte, error) {
	s := catStyles[0]
	img := image.NewRGBA(image.Rect(0, 0, iconSize, iconSize))
	fillRect(img, img.Bounds(), s.background)
	// The face spans about 250 by 260 pixels at k = 1, from 150 above
	// its centre to 110 below.
	drawFace(img, iconSize/2, iconSize/2+40, 1.7, s)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode the demo's icon: %w", err)
	}
	return buf.Bytes(), nil
})
