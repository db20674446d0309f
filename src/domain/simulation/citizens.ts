import type { Citizen } from "../report.js";
import { clamp, round } from "./numbers.js";
import type { Random } from "./random.js";

// biome-ignore format: a name table reads better in rows
const FIRST_NAMES = [
  "Alice", "Bruno", "Camille", "David", "Élodie", "Fatima", "Gabriel", "Hugo", "Inès", "Jules",
  "Karim", "Léa", "Manon", "Nathan", "Océane", "Paul", "Quentin", "Rose", "Sami", "Théo",
  "Ursula", "Victor", "Wen", "Xavier", "Yasmine", "Zoë", "José", "Øyvind", "Aiko", "Björn",
  "Chloé", "Dmitri", "Emma", "François", "Giulia", "Hamid", "Ingrid", "Jonas", "Kenji", "Lucía",
  "Mateo", "Noémie", "Olivier", "Priya", "Raphaël", "Siobhán", "Tomás", "Valentina", "Wojciech", "Yusuf",
];

// biome-ignore format: a name table reads better in rows
const LAST_NAMES = [
  "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
  "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert",
  "Nguyễn", "Müller", "Søndergaard", "Kowalski", "Rossi", "Haddad", "Benali", "Tanaka", "Okafor", "Silva",
  "Fernández", "Johansson", "Novák", "Papadopoulos", "Yılmaz", "Schmidt", "Byrne", "Costa", "Ivanova", "Chen",
  "Mercier", "Blanc", "Guérin", "Faure", "Rousseau", "Morel", "Fontaine", "Chevalier", "Roux", "Gauthier",
];

/** Scores at or above this are calm; below it a citizen is agitated (the default alert rule). */
const AGITATION_THRESHOLD = 2;
/** How fast a calm citizen's score forgets a disturbance, in minutes of event time. */
const REVERSION_MINUTES = 30;
/** Spread of a calm citizen's score around their baseline once it has settled. */
const SCORE_SPREAD = 0.8;
/** An agitation episode lasts this long in event time, so follow-up sightings agree. */
const EPISODE_MINUTES = { min: 8, max: 30 };
/** When an agitated sighting is due, most go to someone already agitated: episodes get re-seen. */
const REUSE_EPISODE_PROBABILITY = 0.8;
/** Draws retried before giving up a slot: only matters with a tiny, mostly agitated population. */
const MAX_DRAW_ATTEMPTS = 20;

interface Person {
  readonly name: string;
  /** The score this person drifts back to; calm people sit around 5..8. */
  readonly baseline: number;
  score: number;
  lastSeenMs: number;
  /** Event time at which the current agitation episode ends; 0 when never agitated. */
  agitatedUntilMs: number;
}

/** A persistent population of citizens whose scores evolve with event time. */
export interface Population {
  /**
   * The citizens a drone sees at `nowMs`: `count` distinct calm ones, plus one agitated
   * citizen when `withAgitated` is set. Agitated citizens never appear otherwise, which
   * is what pins the share of agitated reports to the configured ratio.
   */
  sight(count: number, withAgitated: boolean, nowMs: number): Citizen[];
}

/** `size` citizens with stable unique names, scores settled around their baselines at `startMs`. */
export function createPopulation(size: number, random: Random, startMs: number): Population {
  const people: Person[] = [];
  const firstNames = shuffled(FIRST_NAMES, random);
  const lastNames = shuffled(LAST_NAMES, random);
  for (let i = 0; i < size; i++) {
    const baseline = random.between(5, 8);
    people.push({
      name: uniqueName(i, firstNames, lastNames),
      baseline,
      score: clamp(baseline + random.normal() * SCORE_SPREAD, AGITATION_THRESHOLD, 10),
      lastSeenMs: startMs,
      agitatedUntilMs: 0,
    });
  }
  let episodes: Person[] = [];

  const isAgitated = (person: Person, nowMs: number) => person.agitatedUntilMs > nowMs;

  /** Brings a person's score forward to `nowMs`. */
  const observe = (person: Person, nowMs: number): void => {
    const minutes = Math.max(0, nowMs - person.lastSeenMs) / 60_000;
    person.lastSeenMs = nowMs;
    if (isAgitated(person, nowMs)) {
      person.score = clamp(person.score + random.normal() * 0.2, 0.1, 1.9);
      return;
    }
    // Just out of an episode: still shaken, then drifting back towards the baseline.
    if (person.score < AGITATION_THRESHOLD) person.score = random.between(2.5, 4);
    // Exact Ornstein-Uhlenbeck step, so the drift is the same whatever the sighting cadence.
    const keep = Math.exp(-minutes / REVERSION_MINUTES);
    const noise = SCORE_SPREAD * Math.sqrt(1 - keep * keep) * random.normal();
    person.score = clamp(
      person.baseline + (person.score - person.baseline) * keep + noise,
      AGITATION_THRESHOLD,
      10,
    );
  };

  const startEpisode = (nowMs: number): Person | undefined => {
    for (let attempt = 0; attempt < MAX_DRAW_ATTEMPTS; attempt++) {
      const person = random.pick(people);
      if (isAgitated(person, nowMs)) continue;
      observe(person, nowMs);
      person.agitatedUntilMs =
        nowMs + random.between(EPISODE_MINUTES.min, EPISODE_MINUTES.max) * 60_000;
      person.score = random.between(0.4, 1.8);
      episodes.push(person);
      return person;
    }
    return undefined;
  };

  const agitatedCitizen = (nowMs: number): Person | undefined => {
    episodes = episodes.filter((person) => isAgitated(person, nowMs));
    if (episodes.length > 0 && random.chance(REUSE_EPISODE_PROBABILITY)) {
      const person = random.pick(episodes);
      observe(person, nowMs);
      return person;
    }
    return startEpisode(nowMs) ?? episodes[0];
  };

  return {
    sight(count, withAgitated, nowMs) {
      const seen: Person[] = [];
      const agitated = withAgitated ? agitatedCitizen(nowMs) : undefined;
      if (agitated) seen.push(agitated);
      const wanted = Math.min(count + seen.length, people.length);
      let attemptsLeft = wanted * MAX_DRAW_ATTEMPTS;
      while (seen.length < wanted && attemptsLeft-- > 0) {
        const person = random.pick(people);
        if (isAgitated(person, nowMs) || seen.includes(person)) continue;
        observe(person, nowMs);
        seen.push(person);
      }
      // The agitated citizen is first only by construction; a real detector has no such order.
      if (agitated && seen.length > 1) {
        const swapWith = random.int(seen.length);
        [seen[0], seen[swapWith]] = [seen[swapWith]!, seen[0]!];
      }
      return seen.map((person) => ({ name: person.name, score: round(person.score, 2) }));
    },
  };
}

/**
 * "First Last" for the first |first|*|last| citizens, then a middle initial, then a number:
 * names stay unique however large the population.
 */
function uniqueName(index: number, firstNames: string[], lastNames: string[]): string {
  const first = firstNames[index % firstNames.length]!;
  const last = lastNames[Math.floor(index / firstNames.length) % lastNames.length]!;
  const tier = Math.floor(index / (firstNames.length * lastNames.length));
  if (tier === 0) return `${first} ${last}`;
  if (tier <= 26) return `${first} ${String.fromCharCode(64 + tier)}. ${last}`;
  return `${first} ${last} ${tier - 26}`;
}

function shuffled<T>(items: readonly T[], random: Random): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
