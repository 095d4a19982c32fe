//! The order in which a plan's steps run: by levels of independent steps (run in parallel), and
//! when each intermediate column can be given back (so memory stays flat).

use super::{Plan, PopulationStep, Step};
use crate::eval::kernels::{Program, SlotId};
use crate::model::EntityId;

/// Levels of steps, and what to release after each level.
///
/// A step depends only on earlier levels, except a row-wise step over the person entity (see
/// [`Step::is_row_wise`]), which may also read row-wise steps of its own level: those are
/// computed together, piece of rows by piece of rows, in the order of the level, so a chain of
/// formulas reads what it has just written from the cache, with no wait between them.
#[derive(Debug, Clone, Default)]
pub struct Schedule {
    /// Step indices, level by level, each level in the order of the plan (dependencies first).
    pub levels: Vec<Vec<usize>>,
    /// Intermediate slots whose last reader is in that level: released once it is done.
    pub release: Vec<Vec<SlotId>>,
    /// The slots each step reads.
    pub reads: Vec<Vec<SlotId>>,
    /// By slot: an intermediate of a row-wise step read only in its own level. A run that
    /// releases intermediates keeps such a value only for the piece of rows being computed,
    /// never as a whole column.
    pub transient: Vec<bool>,
}

impl Step {
    /// Whether the step computes a column row by row over the person entity (the communes).
    pub fn is_row_wise(&self, person: EntityId) -> bool {
        matches!(self, Step::Eval { entity: Some(entity), .. } if *entity == person)
    }

    /// The slots this step reads.
    pub fn reads(&self) -> Vec<SlotId> {
        let mut slots = Vec::new();
        match self {
            Step::Input { .. } | Step::Fill { .. } => {}
            Step::Eval { program, .. } => program_slots(program, &mut slots),
            Step::Lookup { years, columns, fallback, .. } => {
                slots.push(*years);
                slots.extend(columns.iter().map(|(_, s)| *s));
                slots.extend(*fallback);
            }
            Step::Population { op, .. } => match op {
                PopulationStep::Sum { value, filter, key, .. } => {
                    slots.push(*value);
                    slots.extend(filter.iter().chain(key));
                }
                PopulationStep::RatioOfSums { numerator, denominator, filter, key, default, .. } => {
                    slots.extend([*numerator, *denominator, *default]);
                    slots.extend(filter.iter().chain(key));
                }
                PopulationStep::Rank { value, .. } | PopulationStep::First { value } => slots.push(*value),
                PopulationStep::Share { value, filter } => {
                    slots.push(*value);
                    slots.extend(filter);
                }
                PopulationStep::Distribute { budget, score, previous, low, high, unbounded, .. } => {
                    slots.extend([*budget, *score, *previous, *low, *high]);
                    slots.extend(unbounded);
                }
            },
        }
        slots
    }
}

fn program_slots(program: &Program, slots: &mut Vec<SlotId>) {
    match program {
        Program::Const(_) => {}
        Program::Slot(slot) | Program::Gather { slot, .. } => slots.push(*slot),
        Program::Unary(_, a) | Program::Scale(_, a) => program_slots(a, slots),
        Program::Binary(_, a, b) => {
            program_slots(a, slots);
            program_slots(b, slots);
        }
        Program::If(a, b, c) => {
            program_slots(a, slots);
            program_slots(b, slots);
            program_slots(c, slots);
        }
        Program::Call(_, args) => args.iter().for_each(|a| program_slots(a, slots)),
    }
}

/// Computes the schedule of a plan. Values of variables (planned nodes) and of population
/// steps (the national aggregates explanations show) are kept; other intermediates are released
/// after their last reader.
pub fn schedule(plan: &Plan, person: EntityId) -> Schedule {
    let mut producer = vec![usize::MAX; plan.slot_count];
    for (index, step) in plan.steps.iter().enumerate() {
        producer[step.slot()] = index;
    }
    let mut level = vec![0usize; plan.steps.len()];
    let mut reads = Vec::with_capacity(plan.steps.len());
    for (index, step) in plan.steps.iter().enumerate() {
        let read = step.reads();
        let row_wise = step.is_row_wise(person);
        let after = |producer: usize| {
            // A row-wise step joins the level of a row-wise step it reads (see `Schedule`).
            let same_level = row_wise && plan.steps[producer].is_row_wise(person);
            level[producer] + usize::from(!same_level)
        };
        level[index] = read.iter().map(|s| after(producer[*s])).max().unwrap_or(0);
        reads.push(read);
    }
    let depth = level.iter().max().map_or(0, |l| l + 1);
    let mut levels = vec![Vec::new(); depth];
    for (index, l) in level.iter().enumerate() {
        levels[*l].push(index);
    }
    let mut kept = vec![false; plan.slot_count];
    for node in &plan.nodes {
        kept[node.slot] = true;
    }
    for step in &plan.steps {
        if matches!(step, Step::Population { .. }) {
            kept[step.slot()] = true;
        }
    }
    let mut last_level = vec![None; plan.slot_count];
    for (index, read) in reads.iter().enumerate() {
        for slot in read {
            let l = level[index];
            last_level[*slot] = Some(last_level[*slot].map_or(l, |previous: usize| previous.max(l)));
        }
    }
    let mut release = vec![Vec::new(); depth];
    let mut transient = vec![false; plan.slot_count];
    for (slot, last) in last_level.iter().enumerate() {
        if let (Some(last), false) = (last, kept[slot]) {
            let step = producer[slot];
            if plan.steps[step].is_row_wise(person) && level[step] == *last {
                transient[slot] = true;
            } else {
                release[*last].push(slot);
            }
        }
    }
    Schedule { levels, release, reads, transient }
}
