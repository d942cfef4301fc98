// Package people keeps the free shop's cards: a random code printed on a
// card stands in for a person, so the shop can keep fair shares without
// knowing who anyone is. The code is never stored: the database holds its
// HMAC under a key in the data directory. A card carries its household size
// and, optionally, the household's counts per age band and gender and its
// spoken languages; where a base turns them on, a name or nickname and a
// phone number, sealed with a key outside the database and logged at every
// read. An unused card is erased after the base's retention period; what
// stays is weekly counts. Only the shop, coordinators and admins of the base
// see cards; to anyone else they do not exist.
package people

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/checkcode"
	"abri/internal/db"
	"abri/internal/ledger"
)

// A card code is 10 random symbols (50 bits) and a check symbol, in the
// box-code alphabet.
const (
	codeRandom = 10
	CodeLen    = codeRandom + 1
)

// Limits of what a card may say.
const (
	MaxHousehold = 30
	MaxLanguages = 6
)

// AgeBands and Genders are those of the distribution tallies; a card may
// count its household's members by them. Each has the key
// "people.age.<band>" / "people.gender.<gender>".
var (
	AgeBands = []string{"child", "adult"}
	Genders  = []string{"woman", "man", "other"}
)

// Card is one card of a base. It never holds its code.
type Card struct {
	ID, OrgID, BaseID int64
	HouseholdSize     int
	// AgeBands and Genders count the household's members per band and
	// gender; a band or gender not noted is absent. Either may be empty.
	AgeBands map[string]int
	Genders  map[string]int
	// Languages the household speaks, as language tags ("ar", "ps", "ti").
	Languages  []string
	HasFields  bool // the card has optional personal fields
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used
}

// NewCard is what a card is issued with.
type NewCard struct {
	HouseholdSize int
	AgeBands      map[string]int
	Genders       map[string]int
	Languages     []string
	// Fields are the optional personal fields; the base must have turned
	// them on, or a non-empty one is refused.
	Fields Fields
}

// ErrMistyped is Find's answer to a code whose check symbol is wrong.
var ErrMistyped = apperr.New(apperr.Invalid, "people.error.code_mistyped").At("code")

func errNotFound() error { return apperr.New(apperr.NotFound, "people.error.card_unknown").At("code") }

// require answers NotFound rather than Forbidden: to anyone who may not use
// cards they do not exist.
func require(actor access.Actor, act access.Action) error {
	err := actor.Require(act)
	if apperr.Is(err, apperr.Forbidden) {
		return apperr.ErrNotFound()
	}
	return err
}

// MayUse answers nil when the actor may use cards, and what every card call
// would answer otherwise (not found).
func MayUse(actor access.Actor) error { return require(actor, access.UseCards) }

// ParseCode reads a code as typed or scanned: case, spaces and dashes do not
// matter. A code of the wrong shape is Invalid; one whose check symbol is
// wrong is ErrMistyped.
func ParseCode(s string) (string, error) {
	c, err := checkcode.Parse(s, CodeLen)
	switch {
	case errors.Is(err, checkcode.ErrMistyped):
		return "", ErrMistyped
	case err != nil:
		return "", apperr.New(apperr.Invalid, "people.error.code_invalid").At("code")
	}
	return c, nil
}

// FormatCode writes a code as printed: groups of four, easier to copy.
func FormatCode(c string) string {
	var b strings.Builder
	for i := 0; i < len(c); i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(c[i:min(i+4, len(c))])
	}
	return b.String()
}

func (in NewCard) clean() (NewCard, error) {
	if in.HouseholdSize == 0 {
		in.HouseholdSize = 1
	}
	if in.HouseholdSize < 1 || in.HouseholdSize > MaxHousehold {
		return in, apperr.New(apperr.Invalid, "people.error.household", MaxHousehold).At("household_size")
	}
	for _, m := range []struct {
		field string
		known []string
		n     map[string]int
	}{{"age_bands", AgeBands, in.AgeBands}, {"genders", Genders, in.Genders}} {
		total := 0
		for k, n := range m.n {
			if !slices.Contains(m.known, k) || n < 0 || n > MaxHousehold {
				return in, apperr.New(apperr.Invalid, "people.error.composition").At(m.field)
			}
			total += n
		}
		if total > in.HouseholdSize {
			return in, apperr.New(apperr.Invalid, "people.error.composition_size").At(m.field)
		}
	}
	langs := make([]string, 0, len(in.Languages))
	for _, l := range in.Languages {
		l = strings.ToLower(strings.TrimSpace(l))
		if l == "" || slices.Contains(langs, l) {
			continue
		}
		if !languageTag(l) {
			return in, apperr.New(apperr.Invalid, "people.error.language").At("languages")
		}
		langs = append(langs, l)
	}
	if len(langs) > MaxLanguages {
		return in, apperr.New(apperr.Invalid, "people.error.languages", MaxLanguages).At("languages")
	}
	sort.Strings(langs)
	in.Languages = langs
	f, err := in.Fields.clean()
	in.Fields = f
	return in, err
}

// languageTag accepts a primary language subtag: 2 or 3 letters.
func languageTag(s string) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// counts stores a composition as "adult:2,child:1" (sorted, zeros left out).
func counts(m map[string]int) string {
	var parts []string
	for k, n := range m {
		if n > 0 {
			parts = append(parts, k+":"+strconv.Itoa(n))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func parseCounts(s string) map[string]int {
	m := map[string]int{}
	for _, p := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(p, ":")
		if n, err := strconv.Atoi(v); ok && err == nil {
			m[k] = n
		}
	}
	return m
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// newCode makes a card code; tests replace it to force a clash.
var newCode = func() string { return checkcode.New(codeRandom) }

// withNewCode stores a new code with store and returns it. 50 random bits
// make a clash all but impossible; when one happens, another code does.
// Each try runs in a savepoint: on PostgreSQL the failed statement would
// otherwise abort the whole transaction, and the next try with it.
func withNewCode(ctx context.Context, tx *db.Tx, store func(code string) error) (string, error) {
	for try := 1; ; try++ {
		code := newCode()
		err := tx.Savepoint(ctx, func() error { return store(code) })
		if err == nil || !db.IsUniqueViolation(err) || try == 4 {
			return code, err
		}
	}
}

// Issue makes a card in the actor's base and returns it with its printable
// code. The code is shown this once: only its HMAC is kept.
func Issue(ctx context.Context, tx *db.Tx, actor access.Actor, in NewCard) (Card, string, error) {
	if err := require(actor, access.UseCards); err != nil {
		return Card{}, "", err
	}
	in, err := in.clean()
	if err != nil {
		return Card{}, "", err
	}
	k, err := keys()
	if err != nil {
		return Card{}, "", err
	}
	if !in.Fields.Empty() {
		st, err := SettingsOf(ctx, tx, actor)
		if err != nil {
			return Card{}, "", err
		}
		if !st.PersonalFields {
			return Card{}, "", apperr.New(apperr.Invalid, "people.error.fields_off").At(in.Fields.firstField())
		}
	}
	// The card answers its composition as Find will read it back: zeros
	// left out.
	bands, genders := counts(in.AgeBands), counts(in.Genders)
	c := Card{OrgID: actor.OrgID, BaseID: actor.BaseID, HouseholdSize: in.HouseholdSize, AgeBands: parseCounts(bands),
		Genders: parseCounts(genders), Languages: in.Languages, HasFields: !in.Fields.Empty(), CreatedAt: tx.Now}
	code, err := withNewCode(ctx, tx, func(code string) error {
		var err error
		c.ID, err = tx.InsertID(ctx, `INSERT INTO cards (org_id, base_id, code_hmac, household_size, age_bands, genders, languages, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, actor.OrgID, actor.BaseID, k.codeMAC(actor.BaseID, code), c.HouseholdSize,
			bands, genders, strings.Join(in.Languages, ","), db.Micros(tx.Now))
		if err == nil {
			_, err = tx.Exec(ctx, "UPDATE cards SET secret = ? WHERE id = ?", newSecret(), c.ID)
		}
		return err
	})
	if err != nil {
		return Card{}, "", fmt.Errorf("issue card: %w", err)
	}
	if c.HasFields {
		if err := storeFields(ctx, tx, k, c.ID, actor.OrgID, in.Fields); err != nil {
			return Card{}, "", err
		}
	}
	if _, err := ledger.Append(ctx, tx, actor, "card", c.ID, CardIssued{HouseholdSize: c.HouseholdSize, HasFields: c.HasFields}); err != nil {
		return Card{}, "", err
	}
	return c, code, nil
}

const cardCols = `id, org_id, base_id, household_size, age_bands, genders, languages, created_at, last_used_at,
	EXISTS (SELECT 1 FROM card_fields f WHERE f.card_id = cards.id) FROM cards`

func scanCard(sc interface{ Scan(...any) error }) (Card, error) {
	var c Card
	var bands, genders, langs string
	var created, used int64
	err := sc.Scan(&c.ID, &c.OrgID, &c.BaseID, &c.HouseholdSize, &bands, &genders, &langs, &created, &used, &c.HasFields)
	c.AgeBands, c.Genders, c.Languages = parseCounts(bands), parseCounts(genders), splitList(langs)
	c.CreatedAt = db.FromMicros(created)
	if used != 0 {
		c.LastUsedAt = db.FromMicros(used)
	}
	return c, err
}

// Find looks a code up in the actor's base. A wrong check symbol is
// ErrMistyped; an unknown code, an erased card and another base's card all
// answer the same not-found error. A lookup by an administrator is written
// to the access log.
func Find(ctx context.Context, tx *db.Tx, actor access.Actor, code string) (Card, error) {
	if err := require(actor, access.UseCards); err != nil {
		return Card{}, err
	}
	c, err := ParseCode(code)
	if err != nil {
		return Card{}, err
	}
	k, err := keys()
	if err != nil {
		return Card{}, err
	}
	card, err := scanCard(tx.QueryRow(ctx, "SELECT "+cardCols+" WHERE org_id = ? AND base_id = ? AND code_hmac = ?",
		actor.OrgID, actor.BaseID, k.codeMAC(actor.BaseID, c)))
	if db.IsNoRows(err) {
		return Card{}, errNotFound()
	}
	if err != nil {
		return Card{}, fmt.Errorf("find card: %w", err)
	}
	if err := logAdminLookup(ctx, tx, actor, card.ID); err != nil {
		return Card{}, err
	}
	return card, nil
}

// logAdminLookup writes a lookup by an administrator (never the system) to
// the access log: the shop's own volunteers and coordinators look cards up
// all day, an administrator's lookup is the one to account for.
func logAdminLookup(ctx context.Context, q db.Queryer, actor access.Actor, cardID int64) error {
	if actor.Role != access.Admin || actor.System {
		return nil
	}
	return logAccess(ctx, q, actor, cardID, AccessLookup)
}

// Get returns a card of the actor's base by id (the card screen after
// issuing); another base's card is not found. A lookup by an administrator
// is written to the access log, as Find's is.
func Get(ctx context.Context, q db.Queryer, actor access.Actor, id int64) (Card, error) {
	card, err := get(ctx, q, actor, id)
	if err != nil {
		return Card{}, err
	}
	if err := logAdminLookup(ctx, q, actor, card.ID); err != nil {
		return Card{}, err
	}
	return card, nil
}

// get is Get without the access log: for an action on a card the caller
// has just looked up (and logged), so that an administrator's one action
// is one lookup in the log, not two.
func get(ctx context.Context, q db.Queryer, actor access.Actor, id int64) (Card, error) {
	if err := require(actor, access.UseCards); err != nil {
		return Card{}, err
	}
	card, err := scanCard(q.QueryRow(ctx, "SELECT "+cardCols+" WHERE id = ? AND org_id = ? AND base_id = ?", id, actor.OrgID, actor.BaseID))
	if db.IsNoRows(err) {
		return Card{}, errNotFound()
	}
	if err != nil {
		return Card{}, fmt.Errorf("read card: %w", err)
	}
	return card, nil
}

// Touch records a use of a card of the actor's base at the given time, in
// the caller's transaction (the shop's checkout): it restarts the card's
// retention clock. An earlier time than the last use changes nothing. It
// locks the card's row (FOR UPDATE on PostgreSQL), so two checkouts of one
// card at once take turns. It answers the card's secret (Secret).
func Touch(ctx context.Context, tx *db.Tx, actor access.Actor, cardID int64, at time.Time) ([]byte, error) {
	if err := require(actor, access.UseCards); err != nil {
		return nil, err
	}
	var last int64
	var secret []byte
	err := tx.QueryRow(ctx, "SELECT last_used_at, secret FROM cards WHERE id = ? AND org_id = ? AND base_id = ?"+tx.ForUpdate(),
		cardID, actor.OrgID, actor.BaseID).Scan(&last, &secret)
	if db.IsNoRows(err) {
		return nil, errNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("touch card: %w", err)
	}
	if len(secret) == 0 { // a card made before cards had secrets
		secret = newSecret()
		if _, err := tx.Exec(ctx, "UPDATE cards SET secret = ? WHERE id = ?", secret, cardID); err != nil {
			return nil, fmt.Errorf("touch card: %w", err)
		}
	}
	if us := db.Micros(at); us > last {
		if _, err := tx.Exec(ctx, "UPDATE cards SET last_used_at = ? WHERE id = ?", us, cardID); err != nil {
			return nil, fmt.Errorf("touch card: %w", err)
		}
	}
	return secret, nil
}

// newSecret makes a card's secret: 32 random bytes, kept in the card's row
// and erased with it. The shop's checkout events carry HMAC(secret,
// checkout id) instead of the card's id, so that once the card is erased
// nothing links its checkouts to each other.
func newSecret() []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return b
}

// Secrets reads the secrets of the organisation's cards by id, for
// `abri verify` (a checkout event's commitment is checked against its
// card's secret while the card lives).
func Secrets(ctx context.Context, q ledger.Reader, org int64) (map[int64][]byte, error) {
	out := map[int64][]byte{}
	err := ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id int64
		var s []byte
		if err := scan(&id, &s); err != nil {
			return err
		}
		out[id] = s
		return nil
	}, "SELECT id, secret FROM cards WHERE org_id = ? AND secret IS NOT NULL", org)
	return out, err
}

// Replace gives a lost card a new code: the same card, with its history and
// entitlements, answers to the new code only. It returns the new code,
// shown this once.
func Replace(ctx context.Context, tx *db.Tx, actor access.Actor, cardID int64) (string, error) {
	if _, err := get(ctx, tx, actor, cardID); err != nil {
		return "", err
	}
	k, err := keys()
	if err != nil {
		return "", err
	}
	code, err := withNewCode(ctx, tx, func(code string) error {
		_, err := tx.Exec(ctx, "UPDATE cards SET code_hmac = ? WHERE id = ? AND org_id = ? AND base_id = ?",
			k.codeMAC(actor.BaseID, code), cardID, actor.OrgID, actor.BaseID)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("replace card: %w", err)
	}
	if _, err := ledger.Append(ctx, tx, actor, "card", cardID, CardReplaced{}); err != nil {
		return "", err
	}
	return code, nil
}
