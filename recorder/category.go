package recorder

// Category is the outcome a run counts as in every output ccq has: the
// stats tables and CSV, `ccq runs`, the report's charts, the metrics'
// outcome label and the OTLP sink. It is decided by Categorize alone, so
// no two outputs can count the same line differently.
type Category string

// The categories. CategoryOther is a failed run whose error_type is none
// that this ccq writes (absent, hand-written, or from a newer ccq): it is
// kept apart rather than passed off as one of the known three, and its
// error_type is still shown as written wherever error types are listed.
const (
	CategorySuccess   Category = "success"
	CategoryTimeout   Category = Category(ErrTimeout)
	CategoryExitError Category = Category(ErrExit)
	CategoryException Category = Category(ErrException)
	CategoryOther     Category = "other"
)

// Categories lists every category, in the order tables and charts show
// them.
var Categories = []Category{CategorySuccess, CategoryTimeout, CategoryExitError, CategoryException, CategoryOther}

// Categorize maps a history line's success and error_type to its
// category. success decides first: a line that says it succeeded is a
// success whatever its error_type says.
func Categorize(success bool, errorType string) Category {
	if success {
		return CategorySuccess
	}
	switch ErrorType(errorType) {
	case ErrTimeout:
		return CategoryTimeout
	case ErrExit:
		return CategoryExitError
	case ErrException:
		return CategoryException
	}
	return CategoryOther
}

// Category is the entry's outcome category (Categorize).
func (e *Entry) Category() Category { return Categorize(e.Success, string(e.ErrorType)) }
