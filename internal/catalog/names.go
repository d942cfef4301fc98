package catalog

import "abri/internal/i18n"

// BaseUnit is the unit the quantities of a measure are kept and shown in:
// kg for mass, l for volume, "" for counted goods.
func BaseUnit(measure string) string {
	switch measure {
	case MeasureMass:
		return "kg"
	case MeasureVolume:
		return "l"
	}
	return ""
}

// DisplayName is a product's name with its gender in lang, which tells apart
// products of the same name ("Joggers · Boy", "Joggers · Girl"). Every
// screen, label and export shows a product so.
func DisplayName(lang, name, gender string) string {
	if gender == "" {
		return name
	}
	return name + " · " + i18n.T(lang, GenderKey(gender))
}
