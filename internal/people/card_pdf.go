package people

import (
	"io"

	"abri/internal/i18n"
	"abri/internal/label"
)

// CardPDF writes the printable card for a code just issued or replaced: a
// PDF of one 85.6 × 54 mm card with the QR of the code, the code in large
// type for typing it by hand, a title, the household size and a note, set
// in lang (Arabic shaped and right to left). The QR holds the code alone,
// not an address: a stranger scanning the card learns nothing about where
// it is used. The code is not kept anywhere: print it now, or replace the
// card later.
func CardPDF(w io.Writer, code string, c Card, lang string) error {
	c2, err := ParseCode(code)
	if err != nil {
		return err
	}
	return label.Render(w, label.Card, []label.Label{{
		Code:    FormatCode(c2),
		URL:     c2,
		Product: i18n.T(lang, "people.card.title"),
		Size:    i18n.Plural(lang, "people.card.household_n", int64(c.HouseholdSize)),
		Note:    i18n.T(lang, "people.card.note"),
	}}, lang)
}
