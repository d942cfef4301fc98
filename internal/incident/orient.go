package incident

import (
	"encoding/binary"
	"image"
	"image/color"
)

// jpegOrientation reads the EXIF Orientation tag (1 to 8) of a JPEG; 1
// (as stored) when there is none or it cannot be read.
func jpegOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return 1
		}
		marker := b[i+1]
		if marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7) {
			i += 2
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // the image data begins: no more tags
			return 1
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xE1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00" {
			if o := tiffOrientation(seg[6:]); o != 0 {
				return o
			}
		}
		i += 2 + n
	}
	return 1
}

// tiffOrientation finds tag 0x0112 in the first IFD of a TIFF header; 0
// when absent or out of range.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := int(bo.Uint32(t[4:]))
	if off < 8 || off+2 > len(t) {
		return 0
	}
	count := int(bo.Uint16(t[off:]))
	for k := range count {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 0
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 {
			if o := int(bo.Uint16(t[e+8:])); o >= 1 && o <= 8 {
				return o
			}
			return 0
		}
	}
	return 0
}

// orient turns and flips img as EXIF orientation o says, so that the
// pixels stand upright without the tag: 2 mirrored, 3 turned half a turn,
// 4 upside down mirrored, 5 mirrored and turned a quarter left, 6 turned a
// quarter right, 7 mirrored and turned a quarter right, 8 turned a quarter
// left (as stored; each is undone here).
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	bnd := img.Bounds()
	w, h := bnd.Dx(), bnd.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	// A photo decodes as YCbCr: each pixel is converted as it is moved,
	// so the photo is held once more, not twice.
	pixel := func(sx, sy int, d []byte) {
		c := img.At(bnd.Min.X+sx, bnd.Min.Y+sy)
		r, g, b, a := c.RGBA()
		d[0], d[1], d[2], d[3] = uint8(r>>8), uint8(g>>8), uint8(b>>8), uint8(a>>8)
	}
	if yc, ok := img.(*image.YCbCr); ok {
		pixel = func(sx, sy int, d []byte) {
			x, y := bnd.Min.X+sx, bnd.Min.Y+sy
			yi, ci := yc.YOffset(x, y), yc.COffset(x, y)
			d[0], d[1], d[2] = color.YCbCrToRGB(yc.Y[yi], yc.Cb[ci], yc.Cr[ci])
			d[3] = 0xff
		}
	}
	for y := range dh {
		for x := range dw {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = w-1-x, y
			case 3:
				sx, sy = w-1-x, h-1-y
			case 4:
				sx, sy = x, h-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, h-1-x
			case 7:
				sx, sy = w-1-y, h-1-x
			case 8:
				sx, sy = w-1-y, x
			}
			di := dst.PixOffset(x, y)
			pixel(sx, sy, dst.Pix[di:di+4])
		}
	}
	return dst
}
