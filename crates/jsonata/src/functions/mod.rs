//! JSONata's function library: the table of built-ins (name, signature, arity) and the helpers they share.
//! Each submodule implements one family. Built-ins read time and randomness only from the evaluator.

pub(crate) mod aggregates;
pub(crate) mod arrays;
mod calendar;
pub(crate) mod datetime;
mod datetime_picture;
pub(crate) mod encoding;
pub(crate) mod format_integer;
pub(crate) mod format_number;
pub(crate) mod higher_order;
pub(crate) mod matching;
pub(crate) mod numeric;
pub(crate) mod objects;
pub(crate) mod strings;

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::function::Builtin;
use crate::signature::Signature;
use crate::value::Value;

/// The `n`th argument, `undefined` when not supplied.
pub(crate) fn arg(args: &[Value], n: usize) -> Value {
    args.get(n).cloned().unwrap_or_default()
}

/// The arguments a higher-order function passes `function`: the value, then the position and the whole
/// collection if the function takes them.
pub(crate) fn callback_args(function: &Value, value: Value, position: Value, whole: &Value) -> Vec<Value> {
    let arity = match function {
        Value::Function(f) => f.arity(),
        _ => 1,
    };
    let mut args = vec![value];
    if arity >= 2 {
        args.push(position);
    }
    if arity >= 3 {
        args.push(whole.clone());
    }
    args
}

static BUILTINS: [Builtin; 65] = [
    Builtin::new("sum", "<a<n>:n>", 1, aggregates::sum),
    Builtin::new("count", "<a:n>", 1, aggregates::count),
    Builtin::new("max", "<a<n>:n>", 1, aggregates::max),
    Builtin::new("min", "<a<n>:n>", 1, aggregates::min),
    Builtin::new("average", "<a<n>:n>", 1, aggregates::average),
    Builtin::new("string", "<x-b?:s>", 1, strings::string),
    Builtin::new("substring", "<s-nn?:s>", 3, strings::substring),
    Builtin::new("substringBefore", "<s-s:s>", 2, strings::substring_before),
    Builtin::new("substringAfter", "<s-s:s>", 2, strings::substring_after),
    Builtin::new("lowercase", "<s-:s>", 1, strings::lowercase),
    Builtin::new("uppercase", "<s-:s>", 1, strings::uppercase),
    Builtin::new("length", "<s-:n>", 1, strings::length),
    Builtin::new("trim", "<s-:s>", 1, strings::trim),
    Builtin::new("pad", "<s-ns?:s>", 3, strings::pad),
    Builtin::new("match", "<s-f<s:o>n?:a<o>>", 3, matching::match_),
    Builtin::new("contains", "<s-(sf):b>", 2, matching::contains),
    Builtin::new("replace", "<s-(sf)(sf)n?:s>", 4, matching::replace),
    Builtin::new("split", "<s-(sf)n?:a<s>>", 3, matching::split),
    Builtin::new("join", "<a<s>s?:s>", 2, strings::join),
    Builtin::new("formatNumber", "<n-so?:s>", 3, format_number::format_number),
    Builtin::new("formatBase", "<n-n?:s>", 2, numeric::format_base),
    Builtin::new("formatInteger", "<n-s:s>", 2, format_integer::format_integer),
    Builtin::new("parseInteger", "<s-s:n>", 2, format_integer::parse_integer),
    Builtin::new("number", "<(nsb)-:n>", 1, numeric::number),
    Builtin::new("floor", "<n-:n>", 1, numeric::floor),
    Builtin::new("ceil", "<n-:n>", 1, numeric::ceil),
    Builtin::new("round", "<n-n?:n>", 2, numeric::round),
    Builtin::new("abs", "<n-:n>", 1, numeric::abs),
    Builtin::new("sqrt", "<n-:n>", 1, numeric::sqrt),
    Builtin::new("power", "<n-n:n>", 2, numeric::power),
    Builtin::new("random", "<:n>", 0, numeric::random),
    Builtin::new("boolean", "<x-:b>", 1, objects::boolean),
    Builtin::new("not", "<x-:b>", 1, objects::not),
    Builtin::new("map", "<af>", 2, higher_order::map),
    Builtin::new("zip", "<a+>", 0, arrays::zip),
    Builtin::new("filter", "<af>", 2, higher_order::filter),
    Builtin::new("single", "<af?>", 2, higher_order::single),
    Builtin::new("reduce", "<afj?:j>", 3, higher_order::reduce),
    Builtin::new("sift", "<o-f?:o>", 2, higher_order::sift),
    Builtin::new("keys", "<x-:a<s>>", 1, objects::keys),
    Builtin::new("lookup", "<x-s:x>", 2, objects::lookup),
    Builtin::new("append", "<xx:a>", 2, arrays::append),
    Builtin::new("exists", "<x:b>", 1, objects::exists),
    Builtin::new("spread", "<x-:a<o>>", 1, objects::spread),
    Builtin::new("merge", "<a<o>:o>", 1, objects::merge),
    Builtin::new("reverse", "<a:a>", 1, arrays::reverse),
    Builtin::new("each", "<o-f:a>", 2, higher_order::each),
    Builtin::new("error", "<s?:x>", 1, objects::error),
    Builtin::new("assert", "<bs?:x>", 2, objects::assert),
    Builtin::new("type", "<x:s>", 1, objects::type_of),
    Builtin::new("sort", "<af?:a>", 2, higher_order::sort),
    Builtin::new("shuffle", "<a:a>", 1, arrays::shuffle),
    Builtin::new("distinct", "<x:x>", 1, arrays::distinct),
    Builtin::new("base64encode", "<s-:s>", 1, encoding::base64_encode),
    Builtin::new("base64decode", "<s-:s>", 1, encoding::base64_decode),
    Builtin::new("encodeUrlComponent", "<s-:s>", 1, encoding::encode_url_component),
    Builtin::new("encodeUrl", "<s-:s>", 1, encoding::encode_url),
    Builtin::new("decodeUrlComponent", "<s-:s>", 1, encoding::decode_url_component),
    Builtin::new("decodeUrl", "<s-:s>", 1, encoding::decode_url),
    Builtin::new("eval", "<sx?:x>", 2, objects::eval),
    Builtin::new("toMillis", "<s-s?:n>", 2, datetime::to_millis),
    Builtin::new("fromMillis", "<n-s?s?:s>", 3, datetime::from_millis),
    Builtin::new("clone", "<(oa)-:o>", 1, objects::clone),
    Builtin::new("now", "<s?s?:s>", 2, datetime::now),
    Builtin::new("millis", "<:n>", 0, datetime::millis),
];

/// The built-in function called `name`.
pub(crate) fn lookup(name: &str) -> Option<&'static Builtin> {
    static INDEX: OnceLock<HashMap<&'static str, usize>> = OnceLock::new();
    let index = INDEX.get_or_init(|| BUILTINS.iter().enumerate().map(|(i, b)| (b.name, i)).collect());
    index.get(name).map(|&i| &BUILTINS[i])
}

/// The signature a transform (`|...|...|`) checks its argument against.
pub(crate) fn transform_signature() -> Option<&'static Signature> {
    static SIGNATURE: OnceLock<Option<Signature>> = OnceLock::new();
    SIGNATURE.get_or_init(|| Signature::parse("<(oa):o>").ok()).as_ref()
}
