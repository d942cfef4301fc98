package api

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/i18n"
	"abri/internal/label"
	"abri/internal/stock"
)

const (
	keyLabelFormat    = "api.label_format_unknown"
	keyLabelsWhich    = "api.labels_which"
	keyLabelsBoth     = "api.labels_both"
	keyLabelsMany     = "api.labels_many"
	keyInCode         = "api.in_code"
	keyLabelItems     = "api.label_items"
	keyLabelExpiresOn = "api.label_expires_on"
)

// maxLabelCodes is how many boxes' labels one request may ask for.
const maxLabelCodes = stock.MaxBlankLabels

// labelsPDF answers GET /api/v1/labels.pdf: a PDF of QR labels, either for
// boxes of the base (codes=A,B,… or codes repeated) or for blank=N new
// pre-printed labels, which it reserves (so it is not safe to repeat: each
// call makes new codes). format is a4 (the default) or thermal62.
func (a *api) labelsPDF(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	q, err := readParams(r, "codes", "format", "blank")
	if err != nil {
		return err
	}
	f, err := q.str("format")
	if err != nil {
		return err
	}
	format := label.A4
	if f != "" {
		format = label.Format(strings.ToLower(f))
		if !validLabelFormat(format) {
			return apperr.New(apperr.Invalid, keyLabelFormat)
		}
	}
	codes := q.list("codes")
	blank, err := q.str("blank")
	if err != nil {
		return err
	}
	switch {
	case len(codes) > 0 && blank != "":
		return apperr.New(apperr.Invalid, keyLabelsBoth)
	case len(codes) == 0 && blank == "":
		return apperr.New(apperr.Invalid, keyLabelsWhich)
	case len(codes) > maxLabelCodes:
		return apperr.New(apperr.Invalid, keyLabelsMany, maxLabelCodes)
	}
	if blank != "" && r.Method != http.MethodGet {
		// Reserving labels is not a HEAD's business.
		w.Header().Set("Allow", "GET")
		return apperr.New(apperr.Invalid, keyMethodNotAllowed)
	}
	ctx, lang, origin := r.Context(), langOf(r, p), a.origin(r)
	var labels []label.Label
	if blank != "" {
		n, err := strconv.Atoi(blank)
		if err != nil {
			return apperr.New(apperr.Invalid, keyQueryInteger, "blank")
		}
		reserved, err := a.stock.ReserveLabels(ctx, p.Actor, n)
		if err != nil {
			return err
		}
		for _, c := range reserved {
			labels = append(labels, label.Label{Code: c, URL: origin + "/b/" + c})
		}
	} else {
		seen := map[string]bool{}
		for _, raw := range codes {
			b, err := a.stock.Box(ctx, p.Actor, raw)
			if err != nil {
				// Say which code of the list is wrong.
				if e := apperr.As(err); e.Code != apperr.Internal {
					return &apperr.Error{Code: e.Code, Key: keyInCode, Args: []any{clip(raw)}, Err: err}
				}
				return err
			}
			if !seen[b.Code] {
				seen[b.Code] = true
				labels = append(labels, boxLabel(b, origin, lang))
			}
		}
	}
	var buf bytes.Buffer
	if err := label.Render(&buf, format, labels, lang); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `inline; filename="labels.pdf"`)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
	return nil
}

func validLabelFormat(f label.Format) bool {
	for _, x := range label.Formats {
		if x == f {
			return true
		}
	}
	return false
}

// boxLabel is what a box's label shows: the product (with its gender), the
// size or the measured quantity, the item count, and an expiry date. A
// comment never goes on a label: anyone near the box can read it.
func boxLabel(b stock.Box, origin, lang string) label.Label {
	l := label.Label{Code: b.Code, URL: origin + "/b/" + b.Code, Product: b.ProductName, Size: b.Size}
	if b.Gender != "" {
		l.Product += " · " + i18n.T(lang, catalog.GenderKey(b.Gender))
	}
	if u := b.BaseUnit(); u != "" {
		l.Size = strconv.FormatFloat(b.Quantity(), 'f', -1, 64) + " " + u
	}
	if b.Items > 0 || b.BaseUnit() == "" {
		l.Count = i18n.T(lang, keyLabelItems, b.Items)
	}
	if b.ExpiresOn != "" {
		l.Note = i18n.T(lang, keyLabelExpiresOn, b.ExpiresOn)
	}
	return l
}
