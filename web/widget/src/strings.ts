/** The widget's words, in the languages the app speaks; chosen by data-lang, else the host page's lang. */
const en = {
  open: 'Open chat',
  openWith: 'Chat with {name}',
  close: 'Close chat',
  title: 'Chat',
  newChat: 'New conversation',
  message: 'Your message',
  placeholder: 'Write a message…',
  send: 'Send',
  you: 'You',
  assistant: 'Assistant',
  typing: '{name} is writing…',
  starting: 'Connecting…',
  retry: 'Try again',
  rateLimited: 'Too many messages right now. Please try again in {seconds} s.',
  network: 'Could not reach the assistant. Check your connection, then try again.',
  unavailable: 'This assistant is not available here.',
  failed: 'The assistant could not answer. Please try again.',
  invalid: 'This message could not be sent: {detail}',
  restarted: 'Your previous conversation expired, so a new one has started.',
};

export type Strings = typeof en;

const fr: Strings = {
  open: 'Ouvrir la discussion',
  openWith: 'Discuter avec {name}',
  close: 'Fermer la discussion',
  title: 'Discussion',
  newChat: 'Nouvelle conversation',
  message: 'Votre message',
  placeholder: 'Écrivez un message…',
  send: 'Envoyer',
  you: 'Vous',
  assistant: 'Assistant',
  typing: '{name} écrit…',
  starting: 'Connexion…',
  retry: 'Réessayer',
  rateLimited: 'Trop de messages pour le moment. Réessayez dans {seconds} s.',
  network: "Impossible de joindre l'assistant. Vérifiez votre connexion, puis réessayez.",
  unavailable: "Cet assistant n'est pas disponible ici.",
  failed: "L'assistant n'a pas pu répondre. Veuillez réessayer.",
  invalid: "Ce message n'a pas pu être envoyé : {detail}",
  restarted: 'Votre conversation précédente a expiré : une nouvelle a commencé.',
};

export function stringsFor(lang: string | null | undefined): Strings {
  return lang?.toLowerCase().startsWith('fr') ? fr : en;
}

export const fill = (text: string, params: Record<string, string | number>) => text.replace(/\{(\w+)\}/g, (all, k: string) => (k in params ? String(params[k]) : all));
