//! The syntax tree of rule files, as written (names are not resolved yet).
//!
//! Every node carries the [`Span`] of its text so that later phases (name resolution, type
//! checking, explanations) can point back into the file.

use chrono::NaiveDate;

/// A byte range in one rule file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

/// A name as written, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

/// One rule file: its declarations in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RuleFile {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Entity(EntityDecl),
    Enum(EnumDecl),
    Variable(VariableDecl),
    Column(ColumnDecl),
}

/// `entity commune plural communes label "Commune"`, or a group:
/// `group etat of commune plural etats label "État"`.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityDecl {
    pub name: Name,
    /// For a group entity: the entity of its members.
    pub members: Option<Name>,
    pub plural: Option<Name>,
    pub label: Option<String>,
    pub documentation: Option<String>,
    pub span: Span,
}

/// `enum type_evenement label "…"` followed by its items, each with an optional label.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumDecl {
    pub name: Name,
    pub label: Option<String>,
    pub items: Vec<EnumItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumItem {
    pub name: Name,
    pub label: Option<String>,
}

/// The value type named in a declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeName {
    Number,
    Money,
    Integer,
    Boolean,
    Date,
    Text,
    Enum(Name),
}

/// How often a variable takes a new value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodKind {
    Yearly,
    Monthly,
    Eternal,
}

/// A legal reference: a title and/or a link.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub title: Option<String>,
    pub url: Option<String>,
}

/// A literal written after `default`.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Number {
        value: f64,
        text: String,
    },
    Boolean(bool),
    Date(NaiveDate),
    Text(String),
    /// An enum item (resolved against the variable's enum type).
    Item(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct VariableDecl {
    pub name: Name,
    pub value_type: TypeName,
    pub value_type_span: Span,
    pub entity: Name,
    pub period: PeriodKind,
    pub label: Option<String>,
    pub references: Vec<Reference>,
    pub unit: Option<String>,
    pub default: Option<(Literal, Span)>,
    pub end: Option<(NaiveDate, Span)>,
    pub documentation: Option<String>,
    /// Formulas in the order written. An empty list means an input variable.
    pub formulas: Vec<Formula>,
    pub span: Span,
}

/// One formula: from a date (or from the beginning of time), a body.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    /// `None` for `= …` (valid at every date).
    pub start: Option<NaiveDate>,
    pub bindings: Vec<Binding>,
    pub expr: Expr,
    /// The whole formula, from `from`/`=` to the end of its expression.
    pub span: Span,
}

/// `let name = expr` inside a formula.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub name: Name,
    pub value: Expr,
}

/// `column population_insee__year_after_creation = population_insee[year(…) + 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDecl {
    pub name: Name,
    pub label: Option<String>,
    pub target: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Number {
        value: f64,
        text: String,
    },
    Boolean(bool),
    Date(NaiveDate),
    Text(String),
    /// `N`, the year being computed.
    Year,
    /// A variable, a `let` name or (dotted) a parameter, with an optional period and fallback.
    Reference(Box<ReferenceExpr>),
    Call {
        function: Name,
        arguments: Vec<Argument>,
    },
    /// `field` access, e.g. `distribute(…).point`.
    Field {
        target: Box<Expr>,
        field: Name,
    },
    Negate(Box<Expr>),
    Not(Box<Expr>),
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `a < b <= c`: every adjacent pair must hold.
    Compare {
        first: Box<Expr>,
        rest: Vec<(CompareOp, Expr)>,
    },
    /// `x is item`.
    Is {
        target: Box<Expr>,
        item: Name,
    },
    /// `x in [a, b]`.
    In {
        target: Box<Expr>,
        items: Vec<Name>,
    },
    If {
        condition: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceExpr {
    /// One segment: a variable or `let` name; several: a parameter path.
    pub path: Vec<Name>,
    /// `[…]`: the period (year expression or date) at which to read it.
    pub at: Option<Expr>,
    /// `otherwise e`: the value when the variable is not given as an input for that period.
    pub otherwise: Option<Expr>,
    /// `(x)`: apply a scale parameter to `x`.
    pub scale_argument: Option<Expr>,
}

impl ReferenceExpr {
    pub fn dotted(&self) -> String {
        self.path.iter().map(|n| n.text.as_str()).collect::<Vec<_>>().join(".")
    }

    pub fn path_span(&self) -> Span {
        let first = self.path.first().map(|n| n.span).unwrap_or_default();
        let last = self.path.last().map(|n| n.span).unwrap_or_default();
        first.to(last)
    }
}

/// The keyword of a named argument, e.g. `where` in `sum(x, where outre_mer)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArgumentKeyword {
    Else,
    Where,
    By,
    Per,
    Budget,
    Score,
    Previous,
    Unbounded,
}

impl ArgumentKeyword {
    pub fn as_str(self) -> &'static str {
        match self {
            ArgumentKeyword::Else => "else",
            ArgumentKeyword::Where => "where",
            ArgumentKeyword::By => "by",
            ArgumentKeyword::Per => "per",
            ArgumentKeyword::Budget => "budget",
            ArgumentKeyword::Score => "score",
            ArgumentKeyword::Previous => "previous",
            ArgumentKeyword::Unbounded => "unbounded",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Descending,
    Ascending,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Argument {
    Positional(Expr),
    Keyword {
        keyword: ArgumentKeyword,
        value: Expr,
        span: Span,
    },
    /// `between low and high`.
    Between {
        low: Expr,
        high: Expr,
        span: Span,
    },
    Order {
        order: Order,
        span: Span,
    },
}

impl Argument {
    pub fn span(&self) -> Span {
        match self {
            Argument::Positional(e) => e.span,
            Argument::Keyword { span, .. } | Argument::Between { span, .. } | Argument::Order { span, .. } => *span,
        }
    }
}
