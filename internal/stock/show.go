package stock

import (
	"strconv"
	"strings"

	"abri/internal/catalog"
	"abri/internal/i18n"
	"abri/internal/label"
)

// What a box says to a person, in their language: the same words on its
// page, in the box list, on its label and on the label the API prints.

// FormatCode groups a code for reading aloud and copying, as every screen
// and label shows it: "7KX 3M9 PQR". Anything that is not a whole code is
// left as it is.
func FormatCode(c string) string {
	if len(c) != CodeLen {
		return c
	}
	return c[:3] + " " + c[3:6] + " " + c[6:]
}

// BoxURL is the address of a box's page, which its label's QR code holds.
func BoxURL(origin, code string) string { return origin + "/b/" + code }

// FormatQuantity shows thousandths of kg or l as "2.5 kg", with lang's
// decimal separator ("2,5 kg" in French).
func FormatQuantity(lang string, mil int64, unit string) string {
	s := strconv.FormatFloat(float64(mil)/1000, 'f', -1, 64)
	if lang == "fr" {
		s = strings.Replace(s, ".", ",", 1)
	}
	if unit == "" {
		return s
	}
	return s + " " + unit
}

// Name is the box's product with its gender: "Joggers · Boy".
func (b Box) Name(lang string) string {
	return catalog.ProductDisplayName(lang, b.ProductName, b.Gender, b.Standard)
}

// SizeText is the box's size, or for measured goods its quantity ("2.5 kg").
func (b Box) SizeText(lang string) string {
	if b.Measure != "" {
		return FormatQuantity(lang, b.MeasureMil, b.BaseUnit())
	}
	return catalog.SizeName(lang, b.Size)
}

// CountText is how many items the box holds ("12 items"); "" for measured
// goods nobody counted.
func (b Box) CountText(lang string) string {
	if b.Measure != "" && b.Items == 0 {
		return ""
	}
	return i18n.Plural(lang, "stock.items_n", b.Items)
}

// Label is what the box's label shows: the product (with its gender), the
// size or quantity, the item count and the expiry date. A comment never goes
// on a label: anyone near the box can read it.
func (b Box) Label(origin, lang string) label.Label {
	l := label.Label{Code: FormatCode(b.Code), URL: BoxURL(origin, b.Code), Product: b.Name(lang),
		Size: b.SizeText(lang), Count: b.CountText(lang)}
	if b.ExpiresOn != "" {
		l.Note = i18n.T(lang, "stock.label.expires_on", b.ExpiresOn)
	}
	return l
}

// BlankLabel is the label of a reserved code no box has yet.
func BlankLabel(origin, code string) label.Label {
	return label.Label{Code: FormatCode(code), URL: BoxURL(origin, code)}
}
