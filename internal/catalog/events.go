package catalog

import "abri/internal/ledger"

// The ledger events of the catalogue (docs/ledger.md). The seeded standard
// products have none: they are the same on every server.

// ProductCreated adds a product of the event's base.
type ProductCreated struct {
	Name        string `json:"name"`
	CategoryID  int64  `json:"category_id"`
	Gender      string `json:"gender"`
	SizeRangeID int64  `json:"size_range_id"`
}

// ProductHidden and ProductShown hide a product from the event's base or
// show it again.
type (
	ProductHidden struct{}
	ProductShown  struct{}
)

// ProductKitSet replaces a kit's components (all of them, sorted by product).
type ProductKitSet struct {
	Components []KitPart `json:"components"`
}

// KitPart is one component in a ProductKitSet.
type KitPart struct {
	ProductID int64 `json:"product_id"`
	Quantity  int64 `json:"quantity"`
}

func (ProductCreated) EventKind() string { return "product.created" }
func (ProductHidden) EventKind() string  { return "product.hidden" }
func (ProductShown) EventKind() string   { return "product.shown" }
func (ProductKitSet) EventKind() string  { return "product.kit_set" }

func (ProductCreated) EventVersion() int { return 1 }
func (ProductHidden) EventVersion() int  { return 1 }
func (ProductShown) EventVersion() int   { return 1 }
func (ProductKitSet) EventVersion() int  { return 1 }

func init() {
	ledger.Register[ProductCreated]()
	ledger.Register[ProductHidden]()
	ledger.Register[ProductShown]()
	ledger.Register[ProductKitSet]()
}
