package web

import (
	"bytes"
	"net/http"
	"strconv"

	"abri/internal/apperr"
	"abri/internal/label"
	"abri/internal/origin"
	"abri/internal/stock"
)

// Labels: the PDF of the labels of some of the base's boxes, and sheets of
// blank labels whose codes are reserved for boxes to come. A label's QR holds
// the box page's address, <base-url>/b/<code>.

// boxLabels prints the labels of the boxes whose codes are given.
func (s *server) boxLabels(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	q := r.URL.Query()
	format, err := label.ParseFormat(q.Get("format"))
	if err != nil {
		return err
	}
	start, err := label.ParseStart(q.Get("start"))
	if err != nil {
		return err
	}
	labels, err := s.stock.BoxLabels(r.Context(), c.P.Actor, splitCodes(q.Get("codes")), origin.Of(s.baseURL, r), c.Lang)
	if err != nil {
		return err
	}
	return s.writeLabels(w, c, format, start, labels, "abri-labels.pdf")
}

// labelChoice is the label stock and start position part of a print form
// (the partial "label-choice").
type labelChoice struct {
	Format string
	Start  string
	Max    int
	Err    fieldError // at the start position
}

func newLabelChoice(format, start string) labelChoice {
	if start == "" {
		start = "1"
	}
	return labelChoice{Format: format, Start: start, Max: label.Positions}
}

// writeLabels renders the whole PDF before sending it, so a failure is an
// error page rather than half a file.
func (s *server) writeLabels(w http.ResponseWriter, c *reqCtx, format label.Format, start int, labels []label.Label, name string) error {
	var buf bytes.Buffer
	if err := label.RenderFrom(&buf, format, labels, c.Lang, start); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `inline; filename="`+name+`"`)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	_, err := w.Write(buf.Bytes())
	return err
}

// blankPage is the data of the blank labels form.
type blankPage struct {
	Count  string
	Max    int
	Error  string
	Labels labelChoice
}

func (s *server) blankLabelsForm(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	s.render(w, r, c, http.StatusOK, "labels_blank", "web.labels.blank_title", blankPage{Count: "24", Max: stock.MaxBlankLabels, Labels: newLabelChoice(string(label.A4), "")})
	return nil
}

// blankLabels reserves codes for pre-printed labels and prints them.
func (s *server) blankLabels(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := parseForm(r); err != nil {
		return err
	}
	p := blankPage{Count: r.PostForm.Get("count"), Max: stock.MaxBlankLabels,
		Labels: newLabelChoice(r.PostForm.Get("format"), r.PostForm.Get("start"))}
	refuse := func(err error) error {
		if msg, status := formError(c, err); msg != "" {
			if apperr.FieldOf(err) == "start" {
				p.Labels.Err = fieldError{ID: "start", Msg: msg}
			} else {
				p.Error = msg
			}
			s.render(w, r, c, status, "labels_blank", "web.labels.blank_title", p)
			return nil
		}
		return err
	}
	// Check everything before reserving, so a refused form reserves nothing.
	format, err := label.ParseFormat(p.Labels.Format)
	if err != nil {
		return refuse(err)
	}
	start, err := label.ParseStart(p.Labels.Start)
	if err != nil {
		return refuse(err)
	}
	n, err := formInt(p.Count, c.T("web.labels.count"))
	if err != nil {
		return refuse(err)
	}
	if n < 1 || n > stock.MaxBlankLabels {
		return refuse(apperr.New(apperr.Invalid, "stock.error.labels_range", stock.MaxBlankLabels))
	}
	labels, err := s.stock.BlankLabels(r.Context(), c.P.Actor, int(n), origin.Of(s.baseURL, r))
	if err != nil {
		return refuse(err)
	}
	return s.writeLabels(w, c, format, start, labels, "abri-blank-labels.pdf")
}
