package catalog_test

import (
	"strings"
	"testing"

	"abri/internal/catalog"
)

func TestLoadSeed(t *testing.T) {
	sd, err := catalog.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	if len(sd.Products) != 162 || len(sd.Ranges) != 24 || len(sd.Units) != 11 {
		t.Fatalf("seed has %d products, %d ranges, %d units; want 162, 24, 11", len(sd.Products), len(sd.Ranges), len(sd.Units))
	}
	measured := map[int64]string{}
	for _, r := range sd.Ranges {
		if r.Measure != "" {
			measured[r.ID] = r.Measure
			if len(r.Sizes) != 0 {
				t.Errorf("measured range %d has sizes %v", r.ID, r.Sizes)
			}
		} else if len(r.Sizes) == 0 {
			t.Errorf("range %d (%s) has no sizes", r.ID, r.Name)
		}
	}
	if measured[28] != "mass" || measured[29] != "volume" || len(measured) != 2 {
		t.Errorf("measured ranges = %v, want 28 mass and 29 volume", measured)
	}
	var tents *catalog.StandardProduct
	for i, p := range sd.Products {
		if p.Name == "Tents" {
			tents = &sd.Products[i]
		}
		if !catalog.ValidGender(p.Gender) {
			t.Errorf("line %d: gender %q is not a code", p.Line, p.Gender)
		}
	}
	if tents == nil || tents.Gender != "" || tents.Category != "Shelter" || tents.ID != 112 {
		t.Errorf("Tents = %+v, want id 112, no gender, Shelter", tents)
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	const head = "id,name,gender,size_range_id,size_range,category\n"
	good := "1,Tents,-,6,Mixed sizes,Shelter\n"
	cases := []struct {
		name, in, want string
	}{
		{"empty file", "", "empty file"},
		{"wrong header", "id,nom,gender,size_range_id,size_range,category\n", `line 1: column 2 is "nom"`},
		{"bad id", head + good + "x,Tarps,-,6,Mixed sizes,Shelter\n", `line 3: id "x"`},
		{"duplicate id", head + good + "1,Tarps,-,6,Mixed sizes,Shelter\n", "line 3: id 1 already used on line 2"},
		{"no name", head + "2,,-,6,Mixed sizes,Shelter\n", "line 2: name is empty"},
		{"unknown gender", head + "2,Tarps,Robot,6,Mixed sizes,Shelter\n", `line 2: unknown gender "Robot"`},
		{"short row", head + "2,Tarps,-,6\n", "line 2"},
		{"bad quote", head + "2,\"Tarps,-,6,Mixed sizes,Shelter\n", "assort-v1-products.csv"},
		{"no category", head + "2,Tarps,-,6,Mixed sizes,\n", "line 2: category is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := catalog.ParseProducts(strings.NewReader(c.in))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want it to contain %q", err, c.want)
			}
		})
	}
	ps, err := catalog.ParseProducts(strings.NewReader(head + good + "2, Sleeping Bags ,Unisex Adult,6,Mixed sizes,Shelter\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[1].Name != "Sleeping Bags" || ps[1].Gender != catalog.GenderUnisexAdult || ps[1].Line != 3 {
		t.Fatalf("parsed %+v", ps)
	}
}

func TestParseSizeRangesAndUnitsErrors(t *testing.T) {
	const rh = "range_id,range_name,position,size\n"
	for _, c := range []struct{ in, want string }{
		{rh + "1,S-M,1,S\n1,S-M,3,M\n", "line 3: range 1: position 3 out of order"},
		{rh + "1,S-M,1,S\n1,Other,2,M\n", `line 3: range 1 is named "Other"`},
		{rh + "5,Things,,\n", "line 2: range 5 has no sizes but is neither Mass nor Volume"},
		{rh + "28,Mass,,\n28,Mass,1,kg\n", "line 3: range 28 is measured (mass)"},
	} {
		if _, err := catalog.ParseSizeRanges(strings.NewReader(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseSizeRanges(%q) error = %v, want %q", c.in, err, c.want)
		}
	}
	const uh = "name,symbol,per_base_unit,dimension\n"
	for _, c := range []struct{ in, want string }{
		{uh + "kilogram,kg,0,mass\n", `line 2: per_base_unit "0"`},
		{uh + "kilogram,kg,1,mass\ngram,kg,1000,mass\n", `line 3: symbol "kg" already used on line 2`},
		{uh + "metre,m,1,length\n", `line 2: dimension "length"`},
		{uh + "kilogram,kg,NaN,mass\n", "line 2: per_base_unit"},
	} {
		if _, err := catalog.ParseUnits(strings.NewReader(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseUnits(%q) error = %v, want %q", c.in, err, c.want)
		}
	}
}

// FuzzParseProducts checks that no input makes the parser panic, and that
// whatever it accepts is well formed.
func FuzzParseProducts(f *testing.F) {
	f.Add("id,name,gender,size_range_id,size_range,category\n1,Tents,-,6,Mixed sizes,Shelter\n")
	f.Add("id,name,gender,size_range_id,size_range,category\n1,\"Joggers, warm\",Boy,23,\"Children (2-3, 4-5)\",Bottoms\n")
	f.Add("\uFEFFid,name,gender,size_range_id,size_range,category\r\n2,Soap,-,7,One size,Hygiene\r\n")
	f.Add("id,name\n\"")
	f.Fuzz(func(t *testing.T, in string) {
		ps, err := catalog.ParseProducts(strings.NewReader(in))
		if err != nil {
			if !strings.Contains(err.Error(), "assort-v1-products.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		seen := map[int64]bool{}
		for _, p := range ps {
			if p.ID <= 0 || p.SizeRangeID <= 0 || p.Name == "" || p.Category == "" || !catalog.ValidGender(p.Gender) || p.Line < 2 {
				t.Fatalf("accepted a malformed product %+v", p)
			}
			if seen[p.ID] {
				t.Fatalf("accepted id %d twice", p.ID)
			}
			seen[p.ID] = true
		}
	})
}

func FuzzParseSizeRanges(f *testing.F) {
	f.Add("range_id,range_name,position,size\n1,\"XS, S\",1,XS\n1,\"XS, S\",2,S\n28,Mass,,\n")
	f.Fuzz(func(t *testing.T, in string) {
		rs, err := catalog.ParseSizeRanges(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, r := range rs {
			if r.Measure != "" && len(r.Sizes) > 0 {
				t.Fatalf("measured range with sizes: %+v", r)
			}
		}
	})
}
