/** Sentences a drone overhears on an ordinary day. */
export const CALM_SENTENCES: readonly string[] = [
  "The market opens early today.",
  "Have you seen the new bakery on the corner?",
  "The bus is running a little late.",
  "Let's get coffee after work.",
  "The weather is lovely this morning.",
  "My daughter starts school next week.",
  "Could you pass me the bread, please?",
  "The park is full of children.",
  "I think it might rain later.",
  "We are meeting at the library at noon.",
  "The tomatoes look fresh today.",
  "Thank you, have a nice day!",
  "The museum is free on Sundays.",
  "Do you know where the pharmacy is?",
  "The train to Lyon leaves at six.",
  "I love the smell of fresh croissants.",
  "Our neighbours just adopted a puppy.",
  "The concert was wonderful last night.",
  "Let's walk along the river.",
  "How was your holiday?",
  "The flowers in the square are blooming.",
  "I'll call you when I get home.",
  "This soup is delicious.",
  "The shop closes at seven.",
  "We should plant herbs on the balcony.",
  "Happy birthday, see you tonight!",
  "The cat is sleeping in the sun.",
  "Turn left after the bridge.",
  "I'm reading a good book.",
  "The tram is quiet this afternoon.",
];

/** Sentences a drone overhears when someone is upset. */
export const TENSE_SENTENCES: readonly string[] = [
  "Get back or else!",
  "Don't touch me!",
  "I swear I'll hurt you.",
  "Shut up and leave!",
  "You're going to regret this.",
  "Stop shoving, idiot!",
  "Give me my money now!",
  "I'm sick of your lies!",
  "Back off before I lose it.",
  "Someone call the police!",
  "Drop the knife!",
  "Don't you dare threaten me.",
  "Get out of my face!",
  "I will smash your car.",
  "Nobody disrespects me like that!",
  "Move or I'll push you.",
  "Leave her alone, coward!",
  "This is war, you hear me?",
  "I'm furious, absolutely furious!",
  "Fight me right here!",
];

/** Lower-case words of a sentence, punctuation stripped ("Don't!" becomes "dont"). */
export function sentenceWords(sentence: string): string[] {
  return sentence
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, "")
    .split(/\s+/)
    .filter((word) => word.length > 0);
}

/** Word lists computed once: a report copies them instead of re-splitting every time. */
export const CALM_WORDS: readonly (readonly string[])[] = CALM_SENTENCES.map(sentenceWords);
export const TENSE_WORDS: readonly (readonly string[])[] = TENSE_SENTENCES.map(sentenceWords);
