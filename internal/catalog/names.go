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

// ProductDisplayName is a product's name in lang (ProductName) with its
// gender, which tells apart products of the same name ("Joggers · Boy",
// "Joggers · Girl"). Every screen, label and export shows a product so.
func ProductDisplayName(lang, name, gender string, standard bool) string {
	name = ProductName(lang, name, standard)
	if gender == "" {
		return name
	}
	return name + " · " + i18n.T(lang, GenderKey(gender))
}

// DisplayName is ProductDisplayName for a name shown as stored, untranslated:
// right for a base's own product. Where the product may be a standard one,
// read whether it is (products.base_id IS NULL) and call ProductDisplayName.
func DisplayName(lang, name, gender string) string {
	return ProductDisplayName(lang, name, gender, false)
}
