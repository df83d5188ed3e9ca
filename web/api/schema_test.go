package api

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// A checker for the part of OpenAPI 3.0 schemas the description uses:
// $ref, type, required, properties, additionalProperties, items, nullable,
// enum, format date-time, minimum and maximum.

type doc map[string]any

func (d doc) resolve(s map[string]any) map[string]any {
	for i := 0; i < 10; i++ {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		var cur any = map[string]any(d)
		for _, p := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			m, _ := cur.(map[string]any)
			cur = m[p]
		}
		next, ok := cur.(map[string]any)
		if !ok {
			panic("unresolved $ref " + ref)
		}
		s = next
	}
	return s
}

// check returns every way v departs from schema s, each with its JSON path.
func (d doc) check(s map[string]any, v any, path string) []string {
	s = d.resolve(s)
	if v == nil {
		if s["nullable"] == true {
			return nil
		}
		return []string{path + ": null where the description does not allow it"}
	}
	var errs []string
	if enum, ok := s["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if e == v {
				found = true
			}
		}
		if !found {
			errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", path, v, enum))
		}
	}
	switch t, _ := s["type"].(string); t {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return append(errs, fmt.Sprintf("%s: %T where an object is described", path, v))
		}
		req, _ := s["required"].([]any)
		for _, r := range req {
			if _, ok := obj[r.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: required field %q is missing", path, r))
			}
		}
		props, _ := s["properties"].(map[string]any)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k].(map[string]any); ok {
				errs = append(errs, d.check(ps, obj[k], path+"."+k)...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					errs = append(errs, fmt.Sprintf("%s: field %q is not in the description", path, k))
				}
			case map[string]any:
				errs = append(errs, d.check(ap, obj[k], path+"."+k)...)
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return append(errs, fmt.Sprintf("%s: %T where an array is described", path, v))
		}
		items, _ := s["items"].(map[string]any)
		for i, it := range arr {
			errs = append(errs, d.check(items, it, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return append(errs, fmt.Sprintf("%s: %T where a string is described", path, v))
		}
		if s["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %q is not an RFC 3339 time", path, str))
			}
		}
	case "integer":
		f, ok := v.(float64)
		if !ok || f != float64(int64(f)) {
			return append(errs, fmt.Sprintf("%s: %v where an integer is described", path, v))
		}
		errs = append(errs, d.bounds(s, f, path)...)
	case "number":
		f, ok := v.(float64)
		if !ok {
			return append(errs, fmt.Sprintf("%s: %T where a number is described", path, v))
		}
		errs = append(errs, d.bounds(s, f, path)...)
	case "boolean":
		if _, ok := v.(bool); !ok {
			errs = append(errs, fmt.Sprintf("%s: %T where a boolean is described", path, v))
		}
	case "":
	default:
		errs = append(errs, fmt.Sprintf("%s: the checker does not know type %q", path, t))
	}
	return errs
}

func (d doc) bounds(s map[string]any, f float64, path string) []string {
	var errs []string
	if m, ok := s["minimum"].(float64); ok && f < m {
		errs = append(errs, fmt.Sprintf("%s: %v is below the minimum %v", path, f, m))
	}
	if m, ok := s["maximum"].(float64); ok && f > m {
		errs = append(errs, fmt.Sprintf("%s: %v is above the maximum %v", path, f, m))
	}
	return errs
}
