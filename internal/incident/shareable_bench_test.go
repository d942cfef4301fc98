package incident_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"abri/internal/incident"
)

// photo12MP is a 4000 × 3000 JPEG, the size of a phone's photo.
func photo12MP(b *testing.B) ([]byte, image.Image) {
	b.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4000, 3000))
	for y := range 3000 {
		for x := range 4000 {
			i := img.PixOffset(x, y)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = uint8(x), uint8(y), uint8(x^y), 255
		}
	}
	img.Set(0, 0, color.Black)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	dec, err := jpeg.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		b.Fatal(err)
	}
	return buf.Bytes(), dec
}

// BenchmarkShareable12MP: the whole shareable copy of a phone photo
// (decode, re-encode), as an upload pays it.
func BenchmarkShareable12MP(b *testing.B) {
	photo, _ := photo12MP(b)
	b.SetBytes(int64(len(photo)))
	for b.Loop() {
		if _, err := incident.ShareableForTest(photo); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOrient12MP: turning a decoded 12 MP photo a quarter (EXIF
// orientation 6), the part a turned photo adds.
func BenchmarkOrient12MP(b *testing.B) {
	_, img := photo12MP(b)
	for b.Loop() {
		incident.OrientForTest(img, 6)
	}
}

// withOrientation puts an EXIF segment saying orientation o right after
// the JPEG's start, as a phone held upright writes 6.
func withOrientation(photo []byte, o byte) []byte {
	tiff := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, o, 0, 0, 0, 0, 0, 0, 0, 0}
	seg := append([]byte("Exif\x00\x00"), tiff...)
	n := len(seg) + 2
	out := append([]byte{0xFF, 0xD8, 0xFF, 0xE1, byte(n >> 8), byte(n)}, seg...)
	return append(out, photo[2:]...)
}

// BenchmarkShareableTurned12MP: the shareable copy of a photo taken with
// the phone upright (orientation 6): decode, turn, re-encode.
func BenchmarkShareableTurned12MP(b *testing.B) {
	photo, _ := photo12MP(b)
	turned := withOrientation(photo, 6)
	out, err := incident.ShareableForTest(turned)
	if err != nil {
		b.Fatal(err)
	}
	if c, err := jpeg.DecodeConfig(bytes.NewReader(out)); err != nil || c.Width != 3000 || c.Height != 4000 {
		b.Fatalf("turned copy %+v %v, want 3000 × 4000", c, err)
	}
	b.SetBytes(int64(len(turned)))
	for b.Loop() {
		if _, err := incident.ShareableForTest(turned); err != nil {
			b.Fatal(err)
		}
	}
}
