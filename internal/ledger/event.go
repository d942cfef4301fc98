package ledger

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"sync"
)

// Payload is the typed body of one event. Every kind of event is a named Go
// type in the package of the domain it belongs to (stock.BoxCreated,
// account.UserCreated, …), registered with Register, and every event is
// written by Append and read back by Decode: one place for both, so the
// journal's schema is the set of registered types (docs/ledger.md lists
// them).
//
// The ledger is kept forever, so a kind's stored JSON never changes meaning.
// A new version may add fields (old events decode with those fields at their
// zero value, which the type documents as "not recorded"); a change of
// meaning needs a decoder of its own for the old version (RegisterDecoder).
type Payload interface {
	EventKind() string // e.g. "box.moved"
	EventVersion() int // 1 for the first shape of the kind
}

// Decoder turns a stored payload of one kind and version into its type.
type Decoder func(json.RawMessage) (Payload, error)

type kindVersion struct {
	kind    string
	version int
}

var registry = struct {
	sync.RWMutex
	decoders map[kindVersion]Decoder
	current  map[string]int // kind → version Append writes
	types    map[string]reflect.Type
}{decoders: map[kindVersion]Decoder{}, current: map[string]int{}, types: map[string]reflect.Type{}}

// Register makes T an event kind. T must be a struct type (not a pointer)
// whose EventKind and EventVersion do not depend on its fields. T decodes its current
// version and each of older: versions whose JSON is a subset of T's (fields
// added since are left at their zero value).
func Register[T Payload](older ...int) {
	var zero T
	rt := reflect.TypeOf(zero)
	if rt == nil || rt.Kind() != reflect.Struct {
		panic(fmt.Sprintf("ledger: event type %T must be a struct", zero))
	}
	kind, v := zero.EventKind(), zero.EventVersion()
	decode := func(raw json.RawMessage) (Payload, error) {
		var p T
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, err
		}
		return p, nil
	}
	registry.Lock()
	defer registry.Unlock()
	if t, ok := registry.types[kind]; ok && t != rt {
		panic(fmt.Sprintf("ledger: kind %s registered twice (%s and %s)", kind, t, rt))
	}
	registry.types[kind] = rt
	registry.current[kind] = v
	for _, ver := range append([]int{v}, older...) {
		registry.decoders[kindVersion{kind, ver}] = decode
	}
}

// RegisterDecoder reads an old version of a kind whose JSON means something
// else today: decode turns it into a value of the kind's current type (or of
// a type of its own that the kind's readers know).
func RegisterDecoder(kind string, version int, decode Decoder) {
	registry.Lock()
	defer registry.Unlock()
	registry.decoders[kindVersion{kind, version}] = decode
}

// Decode reads an event's payload into its registered type.
func (e Event) Decode() (Payload, error) {
	v := e.Version
	if v == 0 {
		v = 1
	}
	registry.RLock()
	dec, ok := registry.decoders[kindVersion{e.Kind, v}]
	registry.RUnlock()
	if !ok {
		return nil, &UnknownKindError{Kind: e.Kind, Version: v}
	}
	p, err := dec(e.Payload)
	if err != nil {
		return nil, fmt.Errorf("ledger event %d (%s v%d): %w", e.Seq, e.Kind, v, err)
	}
	return p, nil
}

// UnknownKindError is an event of a kind or version no registered type
// reads: written by a newer abri, or behind abri's back.
type UnknownKindError struct {
	Kind    string
	Version int
}

func (e *UnknownKindError) Error() string {
	return fmt.Sprintf("unknown event kind %s version %d", e.Kind, e.Version)
}

// checkRegistered refuses to write a payload whose type is not registered
// as the current version of its kind.
func checkRegistered(p Payload) error {
	registry.RLock()
	defer registry.RUnlock()
	rt := reflect.TypeOf(p)
	kind := p.EventKind()
	if t, ok := registry.types[kind]; !ok || t != rt || registry.current[kind] != p.EventVersion() {
		return fmt.Errorf("ledger: event type %T (%s v%d) is not registered", p, kind, p.EventVersion())
	}
	return nil
}

// Kinds lists the registered kinds with the version Append writes, sorted.
func Kinds() map[string]int {
	registry.RLock()
	defer registry.RUnlock()
	out := make(map[string]int, len(registry.current))
	for k, v := range registry.current {
		out[k] = v
	}
	return out
}

// SortedKinds is Kinds' keys in order.
func SortedKinds() []string {
	ks := Kinds()
	out := make([]string, 0, len(ks))
	for k := range ks {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Delta is one field's value before and after a change, as events carry it.
type Delta[T any] struct {
	From T `json:"from"`
	To   T `json:"to"`
}

// KindInfo describes one registered kind, for its documentation.
type KindInfo struct {
	Kind    string
	Version int          // the version Append writes
	Reads   []int        // every version Decode reads, ascending
	Type    reflect.Type // the payload's Go type
}

// Registered describes every registered kind, sorted by kind.
func Registered() []KindInfo {
	registry.RLock()
	defer registry.RUnlock()
	reads := map[string][]int{}
	for kv := range registry.decoders {
		reads[kv.kind] = append(reads[kv.kind], kv.version)
	}
	out := make([]KindInfo, 0, len(registry.current))
	for k, v := range registry.current {
		vs := reads[k]
		sort.Ints(vs)
		out = append(out, KindInfo{Kind: k, Version: v, Reads: vs, Type: registry.types[k]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}
