// Command render renders a Packer template file (*.pkrtpl.hcl) the way Packer's
// templatefile() function does, using HashiCorp's own HCL template engine
// (github.com/hashicorp/hcl/v2) and go-cty from Debian's packages.
//
// Usage:
//
//	render render <template-file> <vars.json>
//
// The JSON document must be an object. Like an HCL object literal in Packer,
// JSON objects become cty objects and JSON arrays become cty tuples, so that
// `%{ for x in network.dns }`, `length(network.dns)` and `join(",", network.dns)`
// behave as they do under `packer build`.
//
// The rendered text goes to stdout unchanged (no newline is added). HCL
// diagnostics go to stderr and the exit status is 1; usage errors exit 2.
//
// Build it in GOPATH mode against the Debian packages golang-go and
// golang-github-hashicorp-hcl-v2-dev (no module download):
//
//	GO111MODULE=off GOPATH=<writable-dir>:/usr/share/gocode GOCACHE=<writable-dir> \
//	  GOFLAGS= GOTOOLCHAIN=local go build -o <out> tests/render/main.go
//
// What mirrors Packer (hcl2template/function/templatefile.go):
//   - the template is read as UTF-8 and parsed by hclsyntax.ParseTemplate with
//     the template path as file name for diagnostics;
//   - the EvalContext's variables are exactly the top-level keys of vars, each
//     of which must be a valid HCL identifier;
//   - referencing a key that vars lacks is an error ("vars map does not contain
//     key ...") even inside a branch that is not taken;
//   - the function table is Packer's, restricted to the functions that exist in
//     the Debian go-cty / hcl packages. Packer's own `length` (which also
//     accepts strings) and go-cty-funcs' `cidrnetmask` are small ports below.
//     Functions Packer has but this harness cannot provide (base64encode,
//     cidrhost, yamlencode, ...) are defined to fail with a message saying so,
//     instead of looking like a typo.
//   - the result is converted to a string, as it is when Packer stores it in
//     http_content / cd_content (map(string)).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

const usage = "usage: render render <template-file> <vars.json>\n       render functions   (lists the functions templates can call)\n"

func main() {
	if len(os.Args) == 2 && os.Args[1] == "functions" {
		names := make([]string, 0)
		for name := range functions() {
			if _, missing := unavailable[name]; !missing && name != "templatefile" {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Println(n)
		}
		return
	}
	if len(os.Args) != 4 || os.Args[1] != "render" {
		os.Stderr.WriteString(usage)
		os.Exit(2)
	}
	out, diags, files := render(os.Args[2], os.Args[3])
	if diags.HasErrors() {
		wr := hcl.NewDiagnosticTextWriter(os.Stderr, files, 0, false) // 0: no wrapping
		_ = wr.WriteDiagnostics(diags)
		os.Exit(1)
	}
	if _, err := os.Stdout.WriteString(out); err != nil {
		fmt.Fprintf(os.Stderr, "render: writing stdout: %s\n", err)
		os.Exit(1)
	}
}

func errDiag(summary, detail string, subject *hcl.Range) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: subject}}
}

func render(tmplPath, varsPath string) (string, hcl.Diagnostics, map[string]*hcl.File) {
	files := map[string]*hcl.File{}

	src, err := os.ReadFile(tmplPath)
	if err != nil {
		return "", errDiag("Cannot read template", err.Error(), nil), files
	}
	if !utf8.Valid(src) {
		// Packer's file()/templatefile() wording.
		return "", errDiag("Invalid template file",
			fmt.Sprintf("contents of %s are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead", tmplPath),
			nil), files
	}
	files[tmplPath] = &hcl.File{Bytes: src}

	expr, diags := hclsyntax.ParseTemplate(src, tmplPath, hcl.Pos{Line: 1, Column: 1, Byte: 0})
	if diags.HasErrors() {
		return "", diags, files
	}

	vars, vdiags := loadVars(varsPath)
	if vdiags.HasErrors() {
		return "", vdiags, files
	}

	ctx := &hcl.EvalContext{Variables: vars, Functions: functions()}
	for n := range ctx.Variables {
		if !hclsyntax.ValidIdentifier(n) {
			return "", errDiag("Invalid function argument",
				fmt.Sprintf("Invalid value for \"vars\" parameter: invalid template variable name %q: must start with a letter, followed by zero or more letters, digits, and underscores.", n),
				nil), files
		}
	}
	// Packer checks every reference before evaluating, so a missing key is an
	// error even where it sits in a branch that the given vars do not take.
	for _, traversal := range expr.Variables() {
		root := traversal.RootName()
		if _, ok := ctx.Variables[root]; !ok {
			rng := traversal[0].SourceRange()
			return "", errDiag("Invalid function argument",
				fmt.Sprintf("Invalid value for \"vars\" parameter: vars map does not contain key %q, referenced at %s.", root, rng),
				&rng), files
		}
	}

	val, diags := expr.Value(ctx)
	if diags.HasErrors() {
		return "", diags, files
	}
	rng := expr.Range()
	if !val.IsWhollyKnown() {
		return "", errDiag("Unknown template result", "The template result depends on unknown values.", &rng), files
	}
	if val.IsNull() {
		return "", errDiag("Null template result", "The template produced a null value, which Packer cannot use as file content.", &rng), files
	}
	str, err := convert.Convert(val, cty.String)
	if err != nil {
		return "", errDiag("Template result is not a string",
			fmt.Sprintf("The template produced a value of type %s, which cannot be used as file content: %s.", val.Type().FriendlyName(), err),
			&rng), files
	}
	return str.AsString(), nil, files
}

// loadVars turns a JSON object into template variables. ctyjson.ImpliedType
// maps objects to object types and arrays to tuple types, which is what an HCL
// object literal such as `{ dns = ["a", "b"], network = { dhcp = true } }`
// evaluates to in Packer.
func loadVars(path string) (map[string]cty.Value, hcl.Diagnostics) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, errDiag("Cannot read vars", err.Error(), nil)
	}
	var probe interface{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&probe); err != nil {
		return nil, errDiag("Invalid vars JSON", fmt.Sprintf("%s: %s", path, err), nil)
	}
	if _, ok := probe.(map[string]interface{}); !ok {
		return nil, errDiag("Invalid function argument", "Invalid value for \"vars\" parameter: invalid vars value: must be a map.", nil)
	}
	ty, err := ctyjson.ImpliedType(raw)
	if err != nil {
		return nil, errDiag("Invalid vars JSON", fmt.Sprintf("%s: %s", path, err), nil)
	}
	val, err := ctyjson.Unmarshal(raw, ty)
	if err != nil {
		return nil, errDiag("Invalid vars JSON", fmt.Sprintf("%s: %s", path, err), nil)
	}
	if val.LengthInt() == 0 {
		return map[string]cty.Value{}, nil
	}
	return val.AsValueMap(), nil
}

// unavailable lists functions Packer offers that need packages Debian does not
// ship (go-cty-funcs, go-cty-yaml, Packer's own sources). Calling one fails
// with an explicit message.
var unavailable = map[string]string{
	"abspath": "go-cty-funcs/filesystem", "aws_secretsmanager": "packer", "basename": "go-cty-funcs/filesystem",
	"base64decode": "go-cty-funcs/encoding", "base64encode": "go-cty-funcs/encoding", "bcrypt": "go-cty-funcs/crypto",
	"cidrhost": "go-cty-funcs/cidr", "cidrsubnet": "go-cty-funcs/cidr", "cidrsubnets": "go-cty-funcs/cidr",
	"coalesce": "go-cty-funcs/collection", "consul_key": "packer", "dirname": "go-cty-funcs/filesystem",
	"file": "go-cty-funcs/filesystem", "fileexists": "go-cty-funcs/filesystem", "fileset": "go-cty-funcs/filesystem",
	"index": "packer", "legacy_isotime": "packer", "legacy_strftime": "packer", "md5": "go-cty-funcs/crypto",
	"pathexpand": "go-cty-funcs/filesystem", "rsadecrypt": "go-cty-funcs/crypto", "sha1": "go-cty-funcs/crypto",
	"sha256": "go-cty-funcs/crypto", "sha512": "go-cty-funcs/crypto", "timestamp": "packer",
	"urlencode": "go-cty-funcs/encoding", "uuidv4": "go-cty-funcs/uuid", "uuidv5": "go-cty-funcs/uuid",
	"vault": "packer", "yamldecode": "go-cty-yaml", "yamlencode": "go-cty-yaml",
}

func unavailableFunc(name, from string) function.Function {
	return function.New(&function.Spec{
		VarParam: &function.Parameter{Name: "args", Type: cty.DynamicPseudoType, AllowNull: true, AllowUnknown: true, AllowDynamicType: true},
		Type: func([]cty.Value) (cty.Type, error) {
			return cty.DynamicPseudoType, fmt.Errorf("Packer provides %s() from %s, which this test harness cannot load (not packaged in Debian)", name, from)
		},
		Impl: func([]cty.Value, cty.Type) (cty.Value, error) {
			return cty.DynamicVal, errors.New("unavailable")
		},
	})
}

// functions is Packer's function table (hcl2template/functions.go) as far as
// the Debian packages allow.
func functions() map[string]function.Function {
	funcs := map[string]function.Function{
		"abs":             stdlib.AbsoluteFunc,
		"can":             tryfunc.CanFunc,
		"ceil":            stdlib.CeilFunc,
		"chomp":           stdlib.ChompFunc,
		"chunklist":       stdlib.ChunklistFunc,
		"cidrnetmask":     cidrNetmaskFunc,
		"coalescelist":    stdlib.CoalesceListFunc,
		"compact":         stdlib.CompactFunc,
		"concat":          stdlib.ConcatFunc,
		"contains":        stdlib.ContainsFunc,
		"convert":         typeexpr.ConvertFunc,
		"csvdecode":       stdlib.CSVDecodeFunc,
		"distinct":        stdlib.DistinctFunc,
		"element":         stdlib.ElementFunc,
		"flatten":         stdlib.FlattenFunc,
		"floor":           stdlib.FloorFunc,
		"format":          stdlib.FormatFunc,
		"formatdate":      stdlib.FormatDateFunc,
		"formatlist":      stdlib.FormatListFunc,
		"indent":          stdlib.IndentFunc,
		"join":            stdlib.JoinFunc,
		"jsondecode":      stdlib.JSONDecodeFunc,
		"jsonencode":      stdlib.JSONEncodeFunc,
		"keys":            stdlib.KeysFunc,
		"length":          lengthFunc,
		"log":             stdlib.LogFunc,
		"lookup":          stdlib.LookupFunc,
		"lower":           stdlib.LowerFunc,
		"max":             stdlib.MaxFunc,
		"merge":           stdlib.MergeFunc,
		"min":             stdlib.MinFunc,
		"parseint":        stdlib.ParseIntFunc,
		"pow":             stdlib.PowFunc,
		"range":           stdlib.RangeFunc,
		"reverse":         stdlib.ReverseListFunc,
		"replace":         stdlib.ReplaceFunc,
		"regex":           stdlib.RegexFunc,
		"regexall":        stdlib.RegexAllFunc,
		"regex_replace":   stdlib.RegexReplaceFunc,
		"setintersection": stdlib.SetIntersectionFunc,
		"setproduct":      stdlib.SetProductFunc,
		"setunion":        stdlib.SetUnionFunc,
		"signum":          stdlib.SignumFunc,
		"slice":           stdlib.SliceFunc,
		"sort":            stdlib.SortFunc,
		"split":           stdlib.SplitFunc,
		"strrev":          stdlib.ReverseFunc,
		"substr":          stdlib.SubstrFunc,
		"timeadd":         stdlib.TimeAddFunc,
		"title":           stdlib.TitleFunc,
		"trim":            stdlib.TrimFunc,
		"trimprefix":      stdlib.TrimPrefixFunc,
		"trimspace":       stdlib.TrimSpaceFunc,
		"trimsuffix":      stdlib.TrimSuffixFunc,
		"try":             tryfunc.TryFunc,
		"upper":           stdlib.UpperFunc,
		"values":          stdlib.ValuesFunc,
		"zipmap":          stdlib.ZipmapFunc,
	}
	for name, from := range unavailable {
		funcs[name] = unavailableFunc(name, from)
	}
	// Packer stubs templatefile out inside a template to prevent recursion.
	funcs["templatefile"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}, {Name: "vars", Type: cty.DynamicPseudoType}},
		Type: func([]cty.Value) (cty.Type, error) {
			return cty.NilType, errors.New("cannot recursively call templatefile from inside templatefile call")
		},
	})
	return funcs
}

// lengthFunc is Packer's length() (hcl2template/function/length.go): unlike
// cty's stdlib.LengthFunc it also accepts strings and structural types.
var lengthFunc = function.New(&function.Spec{
	Params: []function.Parameter{{
		Name:             "value",
		Type:             cty.DynamicPseudoType,
		AllowDynamicType: true,
		AllowUnknown:     true,
	}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		switch {
		case ty == cty.String || ty.IsTupleType() || ty.IsObjectType() || ty.IsListType() || ty.IsMapType() || ty.IsSetType() || ty == cty.DynamicPseudoType:
			return cty.Number, nil
		default:
			return cty.Number, errors.New("argument must be a string, a collection type, or a structural type")
		}
	},
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		coll := args[0]
		ty := coll.Type()
		switch {
		case ty == cty.DynamicPseudoType:
			return cty.UnknownVal(cty.Number), nil
		case ty.IsTupleType():
			return cty.NumberIntVal(int64(len(ty.TupleElementTypes()))), nil
		case ty.IsObjectType():
			return cty.NumberIntVal(int64(len(ty.AttributeTypes()))), nil
		case ty == cty.String:
			return stdlib.Strlen(coll)
		case ty.IsListType() || ty.IsSetType() || ty.IsMapType():
			return coll.Length(), nil
		default:
			return cty.UnknownVal(cty.Number), errors.New("impossible value type for length(...)")
		}
	},
})

// cidrNetmaskFunc is go-cty-funcs' cidr.NetmaskFunc, which Packer exposes as
// cidrnetmask(); go-cty-funcs is not packaged in Debian.
var cidrNetmaskFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "prefix", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		_, network, err := net.ParseCIDR(args[0].AsString())
		if err != nil {
			return cty.UnknownVal(cty.String), fmt.Errorf("invalid CIDR expression: %s", err)
		}
		return cty.StringVal(net.IP(network.Mask).String()), nil
	},
})
