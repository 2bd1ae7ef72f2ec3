// Package jsonwtest helps test hand-written JSON encoders against
// encoding/json: Fill gives every field of a struct a value that is not
// its zero value, so an encoder that forgets a field (one added to the
// struct later, say) writes a line json.Marshal does not.
package jsonwtest

import (
	"reflect"
	"time"
)

// Fill sets every exported field reachable from ptr (a pointer to a
// struct) to a non-zero value: strings "x", numbers 1.5 or 1, true,
// a map of one entry, a slice of one element, pointers to filled values,
// a fixed time.
func Fill(ptr any) {
	fill(reflect.ValueOf(ptr).Elem())
}

var timeType = reflect.TypeFor[time.Time]()

func fill(v reflect.Value) {
	if v.Type() == timeType {
		v.Set(reflect.ValueOf(time.Date(2026, 12, 4, 17, 0, 0, 123e6, time.UTC)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem())
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k)
		if e.Kind() == reflect.Interface {
			e.Set(reflect.ValueOf("x"))
		} else {
			fill(e)
		}
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0))
		v.Set(s)
	case reflect.Interface:
		v.Set(reflect.ValueOf("x"))
	}
}
