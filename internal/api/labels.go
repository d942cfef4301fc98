package api

import (
	"bytes"
	"net/http"
	"strconv"

	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/label"
	"abri/internal/origin"
)

const (
	keyLabelsWhich = "api.labels_which"
	keyLabelsBoth  = "api.labels_both"
)

// labelsPDF answers GET /api/v1/labels.pdf: a PDF of QR labels, either for
// boxes of the base (codes=A,B,… or codes repeated) or for blank=N new
// pre-printed labels, which it reserves (so it is not safe to repeat: each
// call makes new codes). format is a4 (the default) or thermal62; start
// (1-24, default 1) is the position of the first label on a part-used A4
// sheet.
func (a *api) labelsPDF(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	q, err := readParams(r, "codes", "format", "blank", "start")
	if err != nil {
		return err
	}
	f, err := q.str("format")
	if err != nil {
		return err
	}
	format, err := label.ParseFormat(f)
	if err != nil {
		return err
	}
	raw, err := q.str("start")
	if err != nil {
		return err
	}
	start, err := label.ParseStart(raw)
	if err != nil {
		return err
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
	}
	if blank != "" && r.Method != http.MethodGet {
		// Reserving labels is not a HEAD's business.
		w.Header().Set("Allow", "GET")
		return apperr.New(apperr.MethodNotAllowed, keyMethodNotAllowed)
	}
	ctx, lang, home := r.Context(), langOf(r, p), origin.Of(a.cfg.BaseURL, r)
	var labels []label.Label
	if blank != "" {
		n, err := strconv.Atoi(blank)
		if err != nil {
			return apperr.New(apperr.Invalid, keyQueryInteger, "blank")
		}
		labels, err = a.stock.BlankLabels(ctx, p.Actor, n, home)
		if err != nil {
			return err
		}
	} else if labels, err = a.stock.BoxLabels(ctx, p.Actor, codes, home, lang); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := label.RenderFrom(&buf, format, labels, lang, start); err != nil {
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
