package catalog

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// StandardProduct is one row of the ASSORT product list.
type StandardProduct struct {
	Line        int    // line in the file, for error messages
	ID          int64  // the ASSORT id, stored as standard_id
	Name        string // English name as published
	Gender      string // a Gender code; "" when the product has none
	SizeRangeID int64
	Category    string
}

// SeedRange is one size range as read from the seed, with its sizes in
// display order. A measured range (mass, volume) has a Measure and no sizes.
type SeedRange struct {
	Line    int
	ID      int64
	Name    string
	Measure string // "mass", "volume" or ""
	Sizes   []string
}

// Unit is a unit for measured goods.
type Unit struct {
	Symbol      string
	Name        string
	PerBaseUnit float64 // how many of this unit make one base unit (kg or l)
	Dimension   string  // "mass" or "volume"
}

// The dimensions of measured goods; their base units are kg and l.
const (
	MeasureMass   = "mass"
	MeasureVolume = "volume"
)

// Measures are the dimensions of measured goods, in the order a form shows them.
var Measures = []string{MeasureMass, MeasureVolume}

// maxSeedRows bounds what a seed file may hold, so a malformed or hostile
// file cannot exhaust memory while being read.
const maxSeedRows = 100_000

// csvFile reads a CSV file whose first line must be exactly the given header,
// and calls row for each record with its line number.
func csvFile(name string, r io.Reader, header []string, row func(line int, rec []string) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(header)
	cr.ReuseRecord = true
	first, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%s: empty file, expected the header %q", name, strings.Join(header, ","))
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	for i, h := range header {
		if strings.TrimPrefix(first[i], "\uFEFF") != h {
			return fmt.Errorf("%s line 1: column %d is %q, expected %q", name, i+1, first[i], h)
		}
	}
	for n := 0; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			// csv.ParseError already names the line.
			return fmt.Errorf("%s: %w", name, err)
		}
		if n >= maxSeedRows {
			return fmt.Errorf("%s: more than %d rows", name, maxSeedRows)
		}
		line, _ := cr.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
			if !utf8.ValidString(rec[i]) {
				return fmt.Errorf("%s line %d: column %q is not valid UTF-8", name, line, header[i])
			}
		}
		if err := row(line, rec); err != nil {
			return fmt.Errorf("%s line %d: %w", name, line, err)
		}
	}
}

func positiveID(col, s string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%s %q is not a positive whole number", col, s)
	}
	return v, nil
}

func seedText(col, s string) error {
	if s == "" {
		return fmt.Errorf("%s is empty", col)
	}
	if utf8.RuneCountInString(s) > 200 {
		return fmt.Errorf("%s is longer than 200 characters", col)
	}
	return nil
}

// ParseProducts reads the ASSORT product list (assort-v1-products.csv). The
// size_range column is only a label for people reading the file and is not
// kept; the size range is size_range_id.
func ParseProducts(r io.Reader) ([]StandardProduct, error) {
	const name = "assort-v1-products.csv"
	var ps []StandardProduct
	seen := map[int64]int{}
	err := csvFile(name, r, []string{"id", "name", "gender", "size_range_id", "size_range", "category"},
		func(line int, rec []string) error {
			id, err := positiveID("id", rec[0])
			if err != nil {
				return err
			}
			if prev, dup := seen[id]; dup {
				return fmt.Errorf("id %d already used on line %d", id, prev)
			}
			seen[id] = line
			if err := seedText("name", rec[1]); err != nil {
				return err
			}
			g, ok := genderFromSeed(rec[2])
			if !ok {
				return fmt.Errorf("unknown gender %q", rec[2])
			}
			rid, err := positiveID("size_range_id", rec[3])
			if err != nil {
				return err
			}
			if err := seedText("category", rec[5]); err != nil {
				return err
			}
			ps = append(ps, StandardProduct{Line: line, ID: id, Name: rec[1], Gender: g, SizeRangeID: rid, Category: rec[5]})
			return nil
		})
	if err != nil {
		return nil, err
	}
	return ps, nil
}

// ParseSizeRanges reads size-ranges.csv: one row per size, in order, and one
// row with empty position and size for a measured range, whose name must be
// "Mass" or "Volume".
func ParseSizeRanges(r io.Reader) ([]SeedRange, error) {
	const name = "size-ranges.csv"
	var rs []SeedRange
	idx := map[int64]int{}
	err := csvFile(name, r, []string{"range_id", "range_name", "position", "size"}, func(line int, rec []string) error {
		id, err := positiveID("range_id", rec[0])
		if err != nil {
			return err
		}
		if err := seedText("range_name", rec[1]); err != nil {
			return err
		}
		i, known := idx[id]
		if !known {
			idx[id] = len(rs)
			i = len(rs)
			rs = append(rs, SeedRange{Line: line, ID: id, Name: rec[1]})
		}
		sr := &rs[i]
		if sr.Name != rec[1] {
			return fmt.Errorf("range %d is named %q here but %q on line %d", id, rec[1], sr.Name, sr.Line)
		}
		if rec[2] == "" && rec[3] == "" {
			if known {
				return fmt.Errorf("range %d: a measured range has one row and no sizes", id)
			}
			m := strings.ToLower(sr.Name)
			if m != "mass" && m != "volume" {
				return fmt.Errorf("range %d has no sizes but is neither Mass nor Volume", id)
			}
			sr.Measure = m
			return nil
		}
		if sr.Measure != "" {
			return fmt.Errorf("range %d is measured (%s) and cannot have sizes", id, sr.Measure)
		}
		pos, err := positiveID("position", rec[2])
		if err != nil {
			return err
		}
		if pos != int64(len(sr.Sizes))+1 {
			return fmt.Errorf("range %d: position %d out of order (expected %d)", id, pos, len(sr.Sizes)+1)
		}
		if err := seedText("size", rec[3]); err != nil {
			return err
		}
		sr.Sizes = append(sr.Sizes, rec[3])
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rs, nil
}

// ParseUnits reads units.csv.
func ParseUnits(r io.Reader) ([]Unit, error) {
	const name = "units.csv"
	var us []Unit
	seen := map[string]int{}
	err := csvFile(name, r, []string{"name", "symbol", "per_base_unit", "dimension"}, func(line int, rec []string) error {
		if err := seedText("name", rec[0]); err != nil {
			return err
		}
		if err := seedText("symbol", rec[1]); err != nil {
			return err
		}
		if prev, dup := seen[rec[1]]; dup {
			return fmt.Errorf("symbol %q already used on line %d", rec[1], prev)
		}
		seen[rec[1]] = line
		f, err := strconv.ParseFloat(rec[2], 64)
		if err != nil || !(f > 0) || f > 1e12 {
			return fmt.Errorf("per_base_unit %q is not a positive number", rec[2])
		}
		if rec[3] != "mass" && rec[3] != "volume" {
			return fmt.Errorf("dimension %q is neither mass nor volume", rec[3])
		}
		us = append(us, Unit{Symbol: rec[1], Name: rec[0], PerBaseUnit: f, Dimension: rec[3]})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return us, nil
}
