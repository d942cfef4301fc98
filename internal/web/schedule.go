package web

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"abri/internal/distribution"
	"abri/internal/i18n"
	"abri/internal/label"
)

// The public schedule, /schedule/{org}: an organisation's coming public
// rounds for the people it serves, readable without signing in, in the
// seven public languages (i18n.PublicLanguages), and the same as an A4
// poster. What it may show is decided in distribution.PublicSchedule: a
// site's name and public note, a round's day, time and kind, nothing else.
// An unknown organisation and one with nothing public get the same 404
// page. The page asks search engines not to index it: it is meant for the
// people a group hands its address to, not for whoever searches.

// scheduleDay is one day of the schedule, as shown.
type scheduleDay struct {
	Day    string
	Rounds []scheduleRound
}

type scheduleRound struct {
	Window string // "18:00–19:00", in the base's zone
	Kind   string
	Site   string
	Note   string
}

type publicLang struct {
	Code, Tag, Dir, Name string
	Current              bool
}

// schedulePage is the data of the public page.
type schedulePage struct {
	Lang, Tag, Dir string
	Slug, OrgName  string
	Draft          bool
	Days           []scheduleDay
	Langs          []publicLang
}

// publicLanguage picks the public page's language: ?lang= when it is one
// of them, else the lang cookie, else the browser's languages. It sets no
// cookie: the page keeps nothing about who reads it.
func publicLanguage(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); i18n.SupportedPublic(l) {
		return l
	}
	if ck, err := r.Cookie(langCookie); err == nil && i18n.SupportedPublic(ck.Value) {
		return ck.Value
	}
	return i18n.MatchPublic(r.Header.Get("Accept-Language"))
}

// scheduleDays groups the rounds by day in their base's zone, in lang.
func scheduleDays(lang string, sc distribution.Schedule) []scheduleDay {
	var days []scheduleDay
	for _, pr := range sc.Rounds {
		st, en := pr.StartsAt.In(pr.Zone), pr.EndsAt.In(pr.Zone)
		day := i18n.T(lang, "schedule.public.date", i18n.T(lang, "schedule.public.weekday."+strconv.Itoa(int(st.Weekday()))),
			st.Day(), i18n.T(lang, "schedule.public.month."+strconv.Itoa(int(st.Month()))))
		if len(days) == 0 || days[len(days)-1].Day != day {
			days = append(days, scheduleDay{Day: day})
		}
		d := &days[len(days)-1]
		d.Rounds = append(d.Rounds, scheduleRound{Window: st.Format("15:04") + "–" + en.Format("15:04"),
			Kind: i18n.T(lang, "schedule.public.kind."+pr.Kind), Site: pr.SiteName, Note: pr.SiteNote})
	}
	return days
}

func (s *server) publicSchedule(r *http.Request) (distribution.Schedule, error) {
	return distribution.PublicSchedule(r.Context(), s.db, r.PathValue("org"), s.db.Clock.Now())
}

func (s *server) schedule(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	sc, err := s.publicSchedule(r)
	if err != nil {
		return err
	}
	lang := publicLanguage(r)
	p := schedulePage{Lang: lang, Tag: i18n.Tag(lang), Dir: i18n.Dir(lang), Slug: r.PathValue("org"), OrgName: sc.OrgName,
		Draft: i18n.Draft(lang), Days: scheduleDays(lang, sc)}
	for _, l := range i18n.PublicLanguages {
		p.Langs = append(p.Langs, publicLang{Code: l, Tag: i18n.Tag(l), Dir: i18n.Dir(l), Name: i18n.Names[l], Current: l == lang})
	}
	t := s.pages.public[lang]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "schedule", p); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("Content-Language", p.Tag)
	writeHTML(w, r, http.StatusOK, buf.Bytes())
	return nil
}

func (s *server) schedulePoster(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	sc, err := s.publicSchedule(r)
	if err != nil {
		return err
	}
	lang := publicLanguage(r)
	p := label.Poster{Title: i18n.T(lang, "schedule.public.title"), Subtitle: sc.OrgName + " · " + i18n.T(lang, "schedule.public.lede"),
		Footer: i18n.T(lang, "schedule.public.note")}
	if i18n.Draft(lang) {
		p.Note = i18n.T(lang, "schedule.public.draft")
	}
	for _, d := range scheduleDays(lang, sc) {
		sec := label.PosterSection{Heading: d.Day}
		for _, rd := range d.Rounds {
			detail := rd.Site
			if rd.Note != "" {
				detail += " — " + rd.Note
			}
			// The times are isolated left to right (LRI … PDI), as the
			// page's <span dir="ltr"> does: on an Arabic, Pashto, Dari or
			// Sorani poster "12:00–13:00" would otherwise read 13:00–12:00.
			sec.Entries = append(sec.Entries, label.PosterEntry{Main: "\u2066" + rd.Window + "\u2069 · " + rd.Kind, Detail: detail})
		}
		p.Sections = append(p.Sections, sec)
	}
	pdf, err := posters.render(p, lang)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `inline; filename="schedule-`+lang+`.pdf"`)
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("Content-Length", strconv.Itoa(len(pdf)))
	_, err = w.Write(pdf)
	return err
}

// posterCache keeps the posters drawn lately, by language and content: a
// poster takes tens of milliseconds to draw (30 ms for two weeks of three
// rounds a day), and anyone may ask for it, as often as they like. A
// changed schedule is a new key, so nothing stale is ever served; the cache
// is emptied when it holds maxPosters.
type posterCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte][]byte
}

const maxPosters = 64

var posters = &posterCache{m: map[[sha256.Size]byte][]byte{}}

func (pc *posterCache) render(p label.Poster, lang string) ([]byte, error) {
	key := sha256.Sum256(fmt.Appendf(nil, "%q %#v", lang, p))
	pc.mu.Lock()
	pdf, ok := pc.m[key]
	pc.mu.Unlock()
	if ok {
		return pdf, nil
	}
	var buf bytes.Buffer
	if err := label.RenderPoster(&buf, p, lang); err != nil {
		return nil, err
	}
	pc.mu.Lock()
	if len(pc.m) >= maxPosters {
		clear(pc.m)
	}
	pc.m[key] = buf.Bytes()
	pc.mu.Unlock()
	return buf.Bytes(), nil
}
