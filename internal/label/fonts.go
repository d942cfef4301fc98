package label

import (
	"bytes"
	"embed"
	"fmt"
	"sync"

	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
)

// The fonts are embedded so that labels print the same everywhere; see
// fonts/README.md for their source and licence.
//
//go:embed fonts/*.ttf
var fontFiles embed.FS

// fontID indexes faceFiles and the parsed fonts.
type fontID int

const (
	latinRegular fontID = iota
	latinBold
	arabicRegular
	arabicBold
	ethiopicRegular
	fontCount
)

var faceFiles = [fontCount]struct {
	file string
	bold bool // the outlines are bold; otherwise bold text strokes them
}{
	latinRegular:    {"NotoSans-Regular.ttf", false},
	latinBold:       {"NotoSans-Bold.ttf", true},
	arabicRegular:   {"NotoSansArabic-Regular.ttf", false},
	arabicBold:      {"NotoSansArabic-Bold.ttf", true},
	ethiopicRegular: {"NotoSansEthiopic-Regular.ttf", false},
}

// parsedFonts are shared by every render: a *font.Font is read-only once
// parsed. A *font.Face is not (it caches), so each render makes its own.
var parsedFonts = sync.OnceValues(func() ([fontCount]*font.Font, error) {
	var out [fontCount]*font.Font
	for id, f := range faceFiles {
		b, err := fontFiles.ReadFile("fonts/" + f.file)
		if err != nil {
			return out, fmt.Errorf("label: read font %s: %w", f.file, err)
		}
		face, err := font.ParseTTF(bytes.NewReader(b))
		if err != nil {
			return out, fmt.Errorf("label: parse font %s: %w", f.file, err)
		}
		out[id] = face.Font
	}
	return out, nil
})

// faces is one render's set of faces, indexed by fontID.
type faces [fontCount]*font.Face

func newFaces() (faces, error) {
	var fs faces
	fonts, err := parsedFonts()
	if err != nil {
		return fs, err
	}
	for id, f := range fonts {
		fs[id] = font.NewFace(f)
	}
	return fs, nil
}

// id finds which of our fonts a shaped run uses.
func (fs *faces) id(f *font.Face) fontID {
	for id, face := range fs {
		if face == f {
			return fontID(id)
		}
	}
	return latinRegular
}

// fontmap picks, for each character, the face of its script in the wanted
// weight. It implements shaping.FontmapScript, so spaces and digits inside
// Arabic text stay in the Arabic face and the words keep joining.
type fontmap struct {
	fs     *faces
	bold   bool
	script language.Script
}

func (m *fontmap) SetScript(s language.Script) { m.script = s }

func (m *fontmap) ResolveFace(r rune) *font.Face {
	latin, arabic := latinRegular, arabicRegular
	if m.bold {
		latin, arabic = latinBold, arabicBold
	}
	order := [3]fontID{latin, arabic, ethiopicRegular}
	switch m.script {
	case language.Arabic:
		order = [3]fontID{arabic, latin, ethiopicRegular}
	case language.Ethiopic:
		order = [3]fontID{ethiopicRegular, latin, arabic}
	}
	for _, id := range order {
		if _, ok := m.fs[id].NominalGlyph(r); ok {
			return m.fs[id]
		}
	}
	return m.fs[order[0]] // draws the font's "missing glyph" box
}
