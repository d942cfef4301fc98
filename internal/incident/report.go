package incident

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"abri/internal/export"
	"abri/internal/i18n"
	"abri/internal/label"
	"abri/internal/ledger"
)

// report is the readable part of a bundle, in the exporter's language and
// the base's zone: the same lines for HTML and PDF.
type report struct {
	*Manifest
	Incidents []Incident
	Custody   []Custody
	Names     map[int64]string // evidence id → member
	Lang      string
	Zone      *time.Location
	Check     ledger.Checkpoint
}

func (r report) t(key string, args ...any) string { return i18n.T(r.Lang, key, args...) }

func (r report) when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return i18n.When(r.Lang, r.Zone, t) + " (" + t.UTC().Format(time.RFC3339) + ")"
}

// section is a heading and its lines.
type section struct {
	Heading string
	Lines   []string
}

// sections lays the report out once, for both HTML and PDF.
func (r report) sections() []section {
	head := section{Heading: r.t("bundle.report.title"), Lines: []string{
		r.t("bundle.report.exported", r.when(r.CreatedAt), r.ExportedBy),
		r.t("bundle.report.key", r.KeyID),
		r.t("bundle.report.checkpoint", r.Check.Seq, ledger.HashHex(r.Check.Hash)),
		r.t("bundle.report.people_note"),
	}}
	out := []section{head}
	for _, in := range r.Incidents {
		s := section{Heading: r.t("bundle.report.incident", in.ID, r.t("incident.kind."+in.Kind), in.SiteName)}
		add := func(label, value string) { s.Lines = append(s.Lines, label+": "+value) }
		add(r.t("bundle.report.starts"), r.when(in.StartsAt))
		add(r.t("incident.web.end"), r.when(in.EndsAt))
		add(r.t("incident.web.legal_basis"), r.t("incident.legal."+in.LegalBasis))
		add(r.t("incident.web.bailiff"), r.t("incident.answer."+in.Bailiff))
		add(r.t("incident.web.interpreter"), r.t("incident.answer."+in.Interpreter))
		add(r.t("incident.web.notice"), r.t("incident.answer."+in.Notice))
		add(r.t("incident.web.recovery_offered"), r.t("incident.answer."+in.RecoveryOffered))
		for _, c := range []struct {
			key string
			n   int64
		}{{"people_present", in.PeoplePresent}, {"people_arrested", in.PeopleArrested}, {"bus_shelter", in.BusShelter},
			{"bus_detention", in.BusDetention}, {"observers_checked", in.ObserversChecked}, {"observers_fined", in.ObserversFined},
			{"observers_obstructed", in.ObserversObstructed}} {
			add(r.t("incident.web."+c.key), strconv.FormatInt(c.n, 10))
		}
		for _, f := range in.Forces {
			add(r.t("incident.web.forces"), r.t("bundle.report.force", f.Label(r.Lang), f.Vehicles, f.Officers))
		}
		var used []string
		for _, f := range in.ForceUsed {
			used = append(used, r.t("incident.force_used."+f))
		}
		if len(used) > 0 {
			add(r.t("incident.web.force_used"), strings.Join(used, ", "))
		}
		for _, it := range in.Items {
			add(it.Name(r.Lang), r.t("bundle.report.item", it.Seized, it.Destroyed, it.Recovered, it.Replaced, it.Owed))
		}
		if in.Notes != "" {
			add(r.t("incident.web.notes"), in.Notes)
		}
		for _, e := range in.Evidence {
			add(r.t("incident.web.evidence"), r.t("bundle.report.file", r.Names[e.ID], e.SHA256, e.Size, r.when(e.CreatedAt)))
		}
		out = append(out, s)
	}
	custody := section{Heading: r.t("bundle.report.custody")}
	for _, c := range r.Custody {
		custody.Lines = append(custody.Lines, r.t("bundle.report.custody_line", r.when(c.At), r.action(c.Action), c.ActorID, c.File, c.Seq))
	}
	if len(r.Custody) == 0 {
		custody.Lines = append(custody.Lines, r.t("incident.web.no_evidence"))
	}
	out = append(out, custody, section{Heading: r.t("bundle.report.how"), Lines: []string{r.t("bundle.report.how_abri"),
		"sha256sum -c SHA256SUMS", "openssl pkeyutl -verify -pubin -inkey public-key.pem -rawin -in manifest.json -sigfile manifest.json.sig"}})
	return out
}

func (r report) action(a string) string {
	if k := "bundle.action." + a; i18n.Has(k) {
		return r.t(k)
	}
	return a
}

var reportHTML = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="{{.Lang}}" dir="{{.Dir}}"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:sans-serif;max-width:50rem;margin:1rem auto;padding:0 1rem;line-height:1.4}li{overflow-wrap:anywhere}</style>
</head><body>
{{range $i, $s := .Sections}}{{if eq $i 0}}<h1>{{$s.Heading}}</h1>{{else}}<h2>{{$s.Heading}}</h2>{{end}}
<ul>{{range $s.Lines}}<li dir="auto">{{.}}</li>{{end}}</ul>
{{end}}</body></html>
`))

func (r report) html() ([]byte, error) {
	ss := r.sections()
	var b bytes.Buffer
	err := reportHTML.Execute(&b, struct {
		Lang, Dir, Title string
		Sections         []section
	}{r.Lang, i18n.Dir(r.Lang), ss[0].Heading, ss})
	return b.Bytes(), err
}

func (r report) pdf(w io.Writer) error {
	var blocks []label.Block
	for _, s := range r.sections() {
		blocks = append(blocks, label.Block{Text: s.Heading, Heading: true})
		for _, l := range s.Lines {
			blocks = append(blocks, label.Block{Text: l})
		}
	}
	return label.RenderDocument(w, r.Lang, blocks)
}

// csv is one row per incident and product taken (one row for an incident
// that took nothing), in the base's zone.
func (r report) csv() ([]byte, error) {
	var b bytes.Buffer
	cols := []string{"incident", "kind", "site", "starts_at", "ends_at", "legal_basis", "people_present", "people_arrested",
		"bus_shelter", "bus_detention", "product", "seized", "destroyed", "recovered", "replaced", "owed", "evidence_files"}
	w, err := export.NewCSV(&b, export.Table{Columns: cols})
	if err != nil {
		return nil, err
	}
	for _, in := range r.Incidents {
		ends := ""
		if !in.EndsAt.IsZero() {
			ends = i18n.Stamp(r.Zone, in.EndsAt)
		}
		head := []export.Cell{export.Int(in.ID), export.Text(in.Kind), export.Text(in.SiteName), export.Text(i18n.Stamp(r.Zone, in.StartsAt)),
			export.Text(ends), export.Text(in.LegalBasis), export.Int(in.PeoplePresent), export.Int(in.PeopleArrested),
			export.Int(in.BusShelter), export.Int(in.BusDetention)}
		files := export.Int(int64(len(in.Evidence)))
		if len(in.Items) == 0 {
			if err := w.Row(append(head, export.Empty(), export.Empty(), export.Empty(), export.Empty(), export.Empty(), export.Empty(), files)...); err != nil {
				return nil, err
			}
		}
		for _, it := range in.Items {
			row := append(append([]export.Cell{}, head...), export.Text(it.Name(r.Lang)), export.Int(it.Seized), export.Int(it.Destroyed),
				export.Int(it.Recovered), export.Int(it.Replaced), export.Int(it.Owed), files)
			if err := w.Row(row...); err != nil {
				return nil, err
			}
		}
	}
	return b.Bytes(), w.Close()
}

func (r report) custodyCSV() ([]byte, error) {
	var b bytes.Buffer
	w, err := export.NewCSV(&b, export.Table{Columns: []string{"file", "at_utc", "action", "actor_id", "ledger_seq"}})
	if err != nil {
		return nil, err
	}
	for _, c := range r.Custody {
		if err := w.Row(export.Text(c.File), export.Text(c.At.UTC().Format(time.RFC3339Nano)), export.Text(c.Action),
			export.Int(c.ActorID), export.Int(c.Seq)); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("custody csv: %w", err)
	}
	return b.Bytes(), nil
}
