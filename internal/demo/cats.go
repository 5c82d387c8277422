package demo

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"sync"
)

// The generated cats: 480x360 PNGs drawn with the few primitives below, so the
// demo needs no network and no image files. Drawing and PNG encoding are both
// deterministic, so two runs give byte-identical images (and identical ETags,
// which keeps a restarted server from looking like new content to the worker).

const (
	catWidth  = 480
	catHeight = 360
	numImages = 10
)

// catStyle is what tells one generated cat from another.
type catStyle struct {
	background, fur, inner, eyes color.RGBA
}

var catStyles = [numImages]catStyle{
	{rgb(0xbf, 0xdb, 0xfe), rgb(0xf2, 0x9e, 0x4c), rgb(0xf9, 0xa8, 0xd4), rgb(0x4d, 0x7c, 0x0f)}, // ginger on sky blue
	{rgb(0xfe, 0xf0, 0x8a), rgb(0x37, 0x41, 0x51), rgb(0xf4, 0x72, 0xb6), rgb(0xea, 0xb3, 0x08)}, // charcoal on lemon
	{rgb(0xbb, 0xf7, 0xd0), rgb(0xf5, 0xf5, 0xf4), rgb(0xfb, 0xcf, 0xe8), rgb(0x25, 0x63, 0xeb)}, // white on mint
	{rgb(0xfe, 0xca, 0xca), rgb(0x78, 0x50, 0x32), rgb(0xfd, 0xa4, 0xaf), rgb(0x16, 0xa3, 0x4a)}, // brown on rose
	{rgb(0xdd, 0xd6, 0xfe), rgb(0x9c, 0xa3, 0xaf), rgb(0xf9, 0xa8, 0xd4), rgb(0xca, 0x8a, 0x04)}, // grey on lavender
	{rgb(0xa5, 0xf3, 0xfc), rgb(0x11, 0x11, 0x11), rgb(0xbe, 0x18, 0x5d), rgb(0x84, 0xcc, 0x16)}, // black on cyan
	{rgb(0xfe, 0xd7, 0xaa), rgb(0xd6, 0xb8, 0x8c), rgb(0xfc, 0xa5, 0xa5), rgb(0x0e, 0x74, 0x90)}, // cream on peach
	{rgb(0xd9, 0xf9, 0x9d), rgb(0xb4, 0x53, 0x09), rgb(0xfd, 0xba, 0x74), rgb(0x15, 0x80, 0x3d)}, // rust on lime
	{rgb(0xe5, 0xe7, 0xeb), rgb(0x6b, 0x72, 0x80), rgb(0xf4, 0x72, 0xb6), rgb(0x03, 0x69, 0xa1)}, // slate on silver
	{rgb(0xf5, 0xd0, 0xfe), rgb(0xfb, 0xbf, 0x24), rgb(0xfb, 0x71, 0x85), rgb(0x7c, 0x3a, 0xed)}, // gold on orchid
}

func rgb(r, g, b uint8) color.RGBA { return color.RGBA{r, g, b, 0xff} }

var (
	black = rgb(0x11, 0x18, 0x27)
	white = rgb(0xff, 0xff, 0xff)
)

// sharedCats draws the cats once per process: every Demo serves the same bytes
// (they are never written to), and tests that start many demos stay fast.
var sharedCats = sync.OnceValues(generatedCats)

// generatedCats draws and encodes the ten cats.
func generatedCats() ([numImages][]byte, error) {
	var out [numImages][]byte
	for i := range out {
		var buf bytes.Buffer
		if err := png.Encode(&buf, drawCat(i+1, catStyles[i])); err != nil {
			return out, fmt.Errorf("encode generated cat %d: %w", i+1, err)
		}
		out[i] = buf.Bytes()
	}
	return out, nil
}

// drawCat draws cat number n: a face on the left, its number large on the right.
func drawCat(n int, s catStyle) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, catWidth, catHeight))
	fillRect(img, img.Bounds(), s.background)

	drawFace(img, 180, 200, 1, s)
	drawNumber(img, n, 395, 180, 13, black)
	return img
}

// luma is the perceived brightness of c, 0..255 (ITU-R BT.601 weights).
func luma(c color.RGBA) int { return (299*int(c.R) + 587*int(c.G) + 114*int(c.B)) / 1000 }

func pt(x, y int) image.Point { return image.Point{x, y} }

func fillRect(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

// fillEllipse fills the axis-aligned ellipse centred on (cx, cy) with radii rx, ry.
func fillEllipse(img *image.RGBA, cx, cy, rx, ry int, c color.RGBA) {
	rx2, ry2 := int64(rx*rx), int64(ry*ry)
	for y := -ry; y <= ry; y++ {
		for x := -rx; x <= rx; x++ {
			// x²/rx² + y²/ry² <= 1, in integers.
			if int64(x*x)*ry2+int64(y*y)*rx2 <= rx2*ry2 {
				setClipped(img, cx+x, cy+y, c)
			}
		}
	}
}

// fillTriangle fills the triangle abc: a pixel is inside when it lies on the
// same side of all three edges.
func fillTriangle(img *image.RGBA, a, b, c image.Point, col color.RGBA) {
	bb := bounds(a, b, c)
	edge := func(p, q, r image.Point) int { return (q.X-p.X)*(r.Y-p.Y) - (q.Y-p.Y)*(r.X-p.X) }
	for y := bb.Min.Y; y <= bb.Max.Y; y++ {
		for x := bb.Min.X; x <= bb.Max.X; x++ {
			p := pt(x, y)
			w0, w1, w2 := edge(b, c, p), edge(c, a, p), edge(a, b, p)
			if (w0 >= 0 && w1 >= 0 && w2 >= 0) || (w0 <= 0 && w1 <= 0 && w2 <= 0) {
				setClipped(img, x, y, col)
			}
		}
	}
}

// line draws a segment of the given width: every pixel within width/2 of it.
func line(img *image.RGBA, a, b image.Point, width int, c color.RGBA) {
	half := float64(width) / 2
	bb := bounds(a, b).Inset(-width)
	dx, dy := float64(b.X-a.X), float64(b.Y-a.Y)
	length2 := dx*dx + dy*dy
	for y := bb.Min.Y; y <= bb.Max.Y; y++ {
		for x := bb.Min.X; x <= bb.Max.X; x++ {
			px, py := float64(x-a.X), float64(y-a.Y)
			t := 0.0
			if length2 > 0 {
				t = min(max((px*dx+py*dy)/length2, 0), 1)
			}
			ex, ey := px-t*dx, py-t*dy
			if ex*ex+ey*ey <= half*half {
				setClipped(img, x, y, c)
			}
		}
	}
}

// bounds is the smallest rectangle holding the points, inclusive: the loops
// above run to Max. (image.Rectangle.Union skips empty rectangles, so it
// cannot build this from points.)
func bounds(pts ...image.Point) image.Rectangle {
	r := image.Rectangle{pts[0], pts[0]}
	for _, p := range pts[1:] {
		r.Min.X, r.Min.Y = min(r.Min.X, p.X), min(r.Min.Y, p.Y)
		r.Max.X, r.Max.Y = max(r.Max.X, p.X), max(r.Max.Y, p.Y)
	}
	return r
}

func setClipped(img *image.RGBA, x, y int, c color.RGBA) {
	if image.Pt(x, y).In(img.Bounds()) {
		img.SetRGBA(x, y, c)
	}
}

// digitFont is a 5x7 bitmap font: one string per row, '#' for a set pixel.
var digitFont = [10][7]string{
	{" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "},
	{"  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "},
	{" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"},
	{"#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "},
	{"   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "},
	{"#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "},
	{"  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "},
	{"#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "},
	{" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "},
	{" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "},
}

// drawNumber draws n in digitFont, each font pixel a scale x scale square, the
// whole number centred on (cx, cy).
func drawNumber(img *image.RGBA, n, cx, cy, scale int, c color.RGBA) {
	digits := fmt.Sprint(n)
	const gap = 1 // font pixels between digits
	width := (len(digits)*(5+gap) - gap) * scale
	x0, y0 := cx-width/2, cy-7*scale/2
	for i, d := range digits {
		glyph := digitFont[d-'0']
		for row, bits := range glyph {
			for col, bit := range bits {
				if bit != '#' {
					continue
				}
				x := x0 + (i*(5+gap)+col)*scale
				y := y0 + row*scale
				fillRect(img, image.Rect(x, y, x+scale, y+scale), c)
			}
		}
	}
}
