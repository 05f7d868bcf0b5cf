package funding

// Page asks for at most Limit items of a list, in order of id, after the item AfterID
// ("" for the start of the list).
type Page struct {
	AfterID string
	Limit   int
}
