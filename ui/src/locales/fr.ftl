# L’interface de Recoup, en français. Ajouter un texte ou une langue : docs/i18n.md.
# Typographie : espace insécable (U+00A0) avant « : » et entre un nombre et son unité ; espace fine
# insécable (U+202F) avant « ; », « ! », « ? » et « % ». En français, 0 et 1 sont au singulier.

-app-name = Recoup

## Formatting (lib/format.ts)

duration-days-hours = { $d } j { $h } h
duration-days = { $d } j
duration-hours-minutes = { $h } h { $m } min
duration-hours = { $h } h
duration-minutes = { $m } min
duration-seconds = { $s } s
duration-under-minute = moins d’une minute
window-closes-in = se termine dans { $left }
window-closed = terminé
when-today = { $today } à { $time }
credits = { $count ->
    [one] { $count } crédit
   *[other] { $count } crédits
}
offset-none = aucun
percent = { $value } %
generation-count = { $more ->
    [yes] { $count }+ générations
   *[no] { $count ->
        [one] { $count } génération
       *[other] { $count } générations
    }
}

## Errors the UI composes (lib/api.ts)

error-internal = Un problème est survenu dans l’application. Réessayez ; si cela se reproduit, redémarrez { -app-name }.
error-internal-detail = Un problème est survenu dans l’application ({ $detail }). Réessayez ; si cela se reproduit, redémarrez { -app-name }.

## Generation states (lib/badges.ts)

badge-running = En cours
badge-running-hint = Génération en cours ; ses crédits sont réservés jusqu’à la fin.
badge-succeeded = Réussie
badge-succeeded-hint = Terminée. Si le résultat est clairement inutilisable, signalez-le comme mauvais résultat depuis son menu.
badge-technical-failure = Échec technique · remboursé d’office
badge-technical-failure-hint = Elle a échoué pour une raison technique ; ses crédits n’ont jamais été dépensés. Rien à faire.
badge-pending = Remboursement en attente
badge-pending-hint = Votre signalement attend une décision ; vous serez prévenu.
badge-in-review = En examen
badge-in-review-hint = Une personne examine votre signalement ; vous serez prévenu de la décision.
badge-refunded = Remboursée
badge-refunded-hint = Votre signalement a été accepté et les crédits sont revenus sur votre solde.
badge-not-refunded = Non remboursée
badge-not-refunded-hint = Votre signalement a été enregistré comme avis ; les crédits n’ont pas été remboursés.
bad-result-unavailable-running = Génération en cours : attendez la fin pour la signaler.
bad-result-unavailable-failed = Échec pour une raison technique : ses crédits ont été rendus automatiquement.

## Daily flows chart (lib/chart.ts, lib/chartdata.ts, FlowChart.svelte)

chart-spent = Dépensés
chart-refunded = Remboursés
chart-tooltip = { $series } : { $count ->
    [one] { $count } crédit
   *[other] { $count } crédits
}
chart-summary-empty = Aucun mouvement de crédits ces 30 derniers jours.
chart-summary = Sur { $days } jours, { $spent ->
    [one] { $spent } crédit dépensé
   *[other] { $spent } crédits dépensés
} et { $refunded ->
    [one] { $refunded } remboursé
   *[other] { $refunded } remboursés
}.
chart-summary-busiest = Sur { $days } jours, { $spent ->
    [one] { $spent } crédit dépensé
   *[other] { $spent } crédits dépensés
} et { $refunded ->
    [one] { $refunded } remboursé
   *[other] { $refunded } remboursés
} ; le jour le plus chargé a été le { $busiest } avec { $busiestSpent ->
    [one] { $busiestSpent } dépensé
   *[other] { $busiestSpent } dépensés
}.
chart-title = 30 derniers jours
chart-totals = { $spent ->
    [one] { $spent } dépensé
   *[other] { $spent } dépensés
} · { $refunded ->
    [one] { $refunded } crédit remboursé
   *[other] { $refunded } crédits remboursés
}
chart-show-table = Afficher le tableau
chart-hide-table = Masquer le tableau
chart-failed = Le graphique n’a pas pu être dessiné ; utilisez « Afficher le tableau ».
chart-col-day = Jour
chart-col-spent = Dépensés
chart-col-refunded = Remboursés

## Notifications and messages (lib/events.ts, lib/messages.ts, lib/stores.svelte.ts)

policy-in-force = La politique de remboursement { $version } s’applique désormais sur cet appareil.
queued-refundable = Signalement en file d’attente : il donne droit à un remboursement ; vous serez prévenu de la décision.{ $when ->
    [offline] { " " }Il sera envoyé dès que vous serez de nouveau en ligne.
   *[online] {""}
}
queued-feedback = Signalement en file d’attente : il sera enregistré comme avis, sans remboursement.{ $when ->
    [offline] { " " }Il sera envoyé dès que vous serez de nouveau en ligne.
   *[online] {""}
}
queued-feedback-why = Signalement en file d’attente : il sera enregistré comme avis, sans remboursement ({ $why }).{ $when ->
    [offline] { " " }Il sera envoyé dès que vous serez de nouveau en ligne.
   *[online] {""}
}
eligibility-refundable-credits = Ce signalement peut être remboursé : { $count ->
    [one] { $count } crédit
   *[other] { $count } crédits
} si le résultat est jugé clairement inutilisable.
eligibility-refundable = Ce signalement peut être remboursé si le résultat est jugé clairement inutilisable.
eligibility-not-refundable = Ce signalement ne peut pas être remboursé. Vous pouvez tout de même l’envoyer comme avis.
token-keychain = Dans le trousseau du système.
token-none = Aucun jeton n’est enregistré (pas de lien avec un serveur).
token-file = Dans un fichier, { $path }, car { $reason }.
generation-cannot-show = Cette génération ne peut pas être affichée : { $error }
link-cannot-open = Un lien recoup:// n’a pas pu être ouvert : { $error }
link-opened-nothing = Le lien n’a rien ouvert. { $error }

## QA helpers (lib/qa.ts)

qa-preset-minus-day = −1 jour
qa-preset-minus-hour = −1 h
qa-preset-now = Maintenant
qa-preset-plus-hour = +1 h
qa-preset-plus-day = +1 jour

## Bad result details (lib/validate.ts)

details-counter = { $length } / { $max }
details-too-short = Décrivez le problème en { $min ->
    [one] { $min } caractère
   *[other] { $min } caractères
} au moins (encore { $more }).
details-too-long = Limitez les détails à { $max ->
    [one] { $max } caractère
   *[other] { $max } caractères
} ({ $over } de trop).

## Ledger kinds (lib/ledger.ts)

ledger-kind-grant = Attribution
ledger-kind-hold = Réservation
ledger-kind-capture = Débit
ledger-kind-void = Réservation libérée
ledger-kind-hold-expired = Réservation expirée
ledger-kind-refund = Remboursement
ledger-kind-expire = Expiration

## App shell (App.svelte)

app-name = { -app-name }
document-title = { $screen } · { -app-name }
skip-to-content = Aller au contenu
nav-main = Principale
nav-balance = Solde
nav-history = Historique
nav-ledger = Journal
nav-sync = Synchro
nav-qa = QA
nav-settings = Réglages
header-credits-title = Crédits que vous pouvez dépenser maintenant
header-offline = Hors ligne
header-online = En ligne
header-offline-open-sync = Hors ligne : ouvrir Synchro
header-online-open-sync = En ligne : ouvrir Synchro
header-queued = { $count } en attente
header-qa-on = Le mode QA est activé
header-qa = QA · { $platform }
core-no-answer = Le cœur de { -app-name } n’a pas répondu.
core-no-answer-hint = Redémarrez { -app-name }. Si cela se reproduit, vérifiez que le dossier de données de l’application est accessible en écriture.

## Bad result dialog (ClaimDialog.svelte)

claim-title = Signaler un mauvais résultat
claim-view-image = Voir en grand l’image que vous signalez
claim-view-video = Voir en grand la vidéo que vous signalez
claim-checking = Vérification du droit à remboursement…
claim-window-closed-while-open = Le délai de remboursement s’est terminé pendant que cette fenêtre était ouverte.
claim-refund-window = Délai de remboursement :
claim-policy-rule = Politique { $version } · règle { $rule }
claim-endpoint-decides = Vous pouvez tout de même envoyer le signalement ; le serveur décidera.
claim-reason = Motif
claim-details-label = Qu’est-ce qui ne va pas ?
claim-details-placeholder = p. ex. Le mannequin a trois bras et le vêtement est coupé.
claim-details-bounds = Entre { $min } et { $max } caractères.
claim-sending = Envoi…
claim-submit = Envoyer
claim-submit-refund = Demander le remboursement
claim-send-feedback = Envoyer l’avis
cancel = Annuler

## Context menu (ContextMenu.svelte)

menu-bad-result = Mauvais résultat
menu-view-full = Voir en grand
menu-view-full-unavailable = Il n’y a rien à afficher : la génération est en cours ou a échoué.
menu-ledger = Voir les écritures du journal
menu-copy-id = Copier l’identifiant de la génération
menu-copied = Identifiant de la génération copié : { $id }.
menu-copy-failed = Impossible de copier dans le presse-papiers. L’identifiant est { $id }.
actions-for = Actions pour { $feature }

## History cards (HistoryCard.svelte)

card-label = { $feature }, { $state }, { $when }, { $credits }. Appuyez sur Maj+F10 pour les actions.
card-image-alt = Image produite par { $feature }
card-video-alt = Vidéo produite par { $feature }
card-video = Vidéo
generating = Génération…
card-no-output = Aucun résultat
card-no-preview = Pas d’aperçu
card-charged = Débité : { $credits }
card-not-charged = Prix : { $credits }, non débité
credits-short = { $count } cr

## Output viewer (OutputViewer.svelte)

viewer-title-video = { $feature } (vidéo)
viewer-missing = Ce résultat n’est plus sur cet appareil et ne peut donc pas être affiché. Son enregistrement et tout signalement restent inchangés.
viewer-image-alt = Image produite par { $feature }, en grand
viewer-video-alt = Vidéo produite par { $feature }, en grand
close = Fermer

## Notifications (Toasts.svelte)

notifications = Notifications
toast-show = Afficher
toast-dismiss = Fermer la notification

## Balance (Balance.svelte)

try-again = Réessayer
balance-as-of = Au { $when }
balance-reading = Lecture de votre solde…
balance-available = Disponible
balance-available-unit = { $count ->
    [one] crédit à dépenser maintenant
   *[other] crédits à dépenser maintenant
}
balance-held = Réservés
balance-held-unit = par les générations en cours
balance-refunded-month = Remboursés ce mois-ci
balance-refunded-unit = { $count ->
    [one] crédit rendu
   *[other] crédits rendus
}
balance-spent-month = Dépensés ce mois-ci
balance-spent-unit = { $count ->
    [one] crédit débité
   *[other] crédits débités
}
grants-title = Attributions
grants-empty = Aucune attribution de crédits pour l’instant. Les crédits arrivent avec votre forfait ou une recharge.
grants-col-kind = Type
grants-col-credits = Crédits
grants-col-available = Disponibles
grants-col-expires = Expiration
grants-col-note = Note
grants-expired = expirée
grants-never = Jamais
grant-kind-allowance = Forfait
grant-kind-top-up = Recharge
grant-kind-promotion = Promotion
grant-kind-refund = Remboursement

## History (History.svelte)

generate = Générer
generate-feature = Fonction d’IA
generate-surface = Surface
generate-surface-qa = Réglage QA ({ $surface })
generate-progress = Génération de { $feature }… ses crédits sont réservés jusqu’à la fin.
generate-technical-failure = { $feature } a échoué pour une raison technique ({ $failure }). { $count ->
    [one] Votre crédit ({ $credits }) n’a pas été dépensé.
   *[other] Vos crédits ({ $credits }) n’ont pas été dépensés.
}
generate-no-details = sans détails
open-sync = Ouvrir Synchro
see-balance = Voir le solde
open-settings = Ouvrir les Réglages
filters = Filtres
filter-feature = Fonction
filter-all-features = Fonctions
filter-platform = Plateforme
filter-all-platforms = Plateformes
filter-show = Afficher
show-all = Toutes
show-not-reported = Non signalées
show-reported = Signalées
show-technical-failures = Échecs techniques
show-running = En cours
history-no-match = Aucune génération ne correspond à ces filtres.
clear-filters = Effacer les filtres
history-empty = Aucune génération pour l’instant. Choisissez une fonction d’IA ci-dessus et appuyez sur Générer.
history-list = Générations
loading-more = Chargement de la suite…
history-all-loaded = C’est tout : { $count ->
    [one] { $count } génération
   *[other] { $count } générations
}.

## Ledger (Ledger.svelte)

ledger-kind = Type
ledger-all-kinds = Tous les types
ledger-export = Exporter en CSV
ledger-exporting = Export…
ledger-entries-of = Écritures de la génération
ledger-show-all = Tout afficher
ledger-saved = { $count ->
    [one] { $count } écriture enregistrée
   *[other] { $count } écritures enregistrées
} dans :
ledger-col-time = Heure
ledger-col-kind = Type
ledger-col-credits = Crédits
ledger-col-grant = Attribution
ledger-col-generation = Génération
ledger-only-generation = Seulement les écritures de la génération { $id }
ledger-no-match = Aucune écriture ne correspond à ce filtre.
ledger-empty = Aucune écriture pour l’instant.
ledger-loading = Chargement des écritures…
ledger-end = Fin du journal : { $count ->
    [one] { $count } écriture
   *[other] { $count } écritures
}.

## Sync (Sync.svelte)

sync-offline = Hors ligne : le réseau est coupé. Les signalements attendent sur cet appareil jusqu’à ce que vous le rétablissiez.
sync-not-tried = Pas encore essayé.
sync-reachable = Le serveur a répondu.
sync-unreachable = Le serveur n’a pas répondu. Les signalements attendent sur cet appareil ; { -app-name } réessaie de lui-même.
sync-reading = Lecture de l’état de la synchronisation…
sync-not-linked = Cet appareil n’est relié à aucun serveur ; les signalements ne peuvent donc pas être envoyés.
sync-connect-in-settings = Se connecter dans les Réglages
sync-network-on = Réseau activé
sync-network-off = Réseau coupé
sync-queued = Signalements en attente
sync-in-review = En examen
sync-quarantined = En quarantaine
sync-retry = Réessayer
sync-retrying = Nouvel essai…
sync-quarantined-hint = Les signalements en quarantaine n’ont pas pu être envoyés plusieurs fois de suite. Appuyez sur Réessayer pour les renvoyer.
sync-sending = Envoi des signalements…
sync-last-progress = Dernière synchronisation
sync-progress = { $sent } / { $total }
sync-reports-sent = Signalements envoyés
sync-last = Dernière synchronisation :
sync-never = jamais
sync-syncing = Synchronisation…
sync-now = Synchroniser

## Settings (Settings.svelte)

settings-reading = Lecture des réglages…
settings-language = Langue
settings-language-label = Langue de l’application
settings-language-system = Système ({ $language })
settings-endpoint = Serveur
settings-mode = Mode
settings-mode-embedded = Intégré (fonctionne dans l’application, sur cet appareil)
settings-mode-remote = Distant
settings-mode-none = Aucun : cet appareil n’est relié à rien ; les signalements y restent
settings-mode-sandbox = { $mode } · bac à sable
settings-address = Adresse
settings-account = Compte
settings-token = Jeton
settings-token-file-warning = Le jeton est dans un fichier lisible par votre compte utilisateur. Quiconque y a accès peut faire des signalements en votre nom ; gardez le dossier de données privé.
settings-connect-title = Se connecter à un serveur distant
settings-url-placeholder = https://recoup.example.com
settings-url-invalid = Saisissez l’adresse du serveur, en commençant par https:// (ou http:// pour un serveur de test local).
settings-token-label = Jeton (laissez vide pour ouvrir un nouveau compte bac à sable)
settings-connecting = Connexion…
settings-connect = Se connecter
settings-create-sandbox = Créer un compte bac à sable
settings-switching = Changement…
settings-use-embedded = Utiliser le serveur intégré
settings-connected = Connecté à { $url }.
settings-connected-account = Connecté à { $url } avec le compte { $account }.
settings-switched-embedded = Vous utilisez désormais le serveur intégré de cet appareil.
settings-qa-mode = Mode QA
settings-qa-simulate = Simuler plateformes, surfaces, horloges et pannes réseau (pour les testeurs)
settings-open-qa = Ouvrir le panneau QA
settings-about = À propos
settings-version = Version
settings-data-folder = Dossier de données
settings-refund-policy = Politique de remboursement
settings-logs = Journaux
settings-logs-hint = Les journaux disent ce que l’application a fait (démarrages, synchronisations, signalements envoyés et leurs décisions), jamais votre jeton ni les mots d’un signalement. Joignez-les à une demande d’assistance.
settings-open-logs = Ouvrir le dossier des journaux

## QA panel (Qa.svelte)

qa-clock-moved = Horloge de test avancée de { $by }.
qa-off = Le mode QA est désactivé : ces réglages s’appliqueront quand il sera activé (Réglages)
qa-reading = Lecture des réglages QA…
qa-new-generations = Nouvelles générations
qa-platform = Plateforme
qa-surface = Surface
qa-network-clock = Réseau et horloge de l’appareil
qa-force-offline = Forcer le mode hors ligne
qa-clock-offset = Décalage de l’horloge de l’appareil, en secondes ({ $offset })
qa-offset-invalid = Saisissez le décalage en nombre entier de secondes, p. ex. -86400 pour un jour de retard.
qa-presets = Décalages prédéfinis
qa-faults = Pannes injectées du serveur
qa-drop-rate = Requêtes perdues, en % ({ $value } %)
qa-error-rate = Réponses 503, en % ({ $value } %)
qa-delay = Délai par requête, en ms
qa-generator = Générateur du bac à sable et horloge de test
qa-not-sandbox = Le serveur n’est pas un bac à sable : les taux du générateur et l’horloge de test n’existent que sur les serveurs bac à sable (Réglages → se connecter, ou le serveur intégré).
qa-failure-rate = Échecs techniques, en %
qa-bad-rate = Mauvais résultats, en %
qa-test-clock = Horloge de test :
qa-advance-hour = +1 heure
qa-advance-day = +1 jour
qa-advance-invalid = Saisissez un nombre positif de secondes pour avancer l’horloge de test.
qa-advance-by = Avancer de, en secondes
qa-advance = Avancer
qa-policy-in-force = En vigueur sur cet appareil :
qa-policy-load = Charger un fichier de politique (JSON) ; il est publié sur le serveur bac à sable, puis synchronisé ici
qa-publishing = Publication…
qa-policy-published = Politique { $version } publiée ; cet appareil utilise maintenant { $device }.

## Console des opérateurs (src/console : console.html, servie par recoup-server sous /console/)

console-name = Console Recoup
console-document-title = Connexion · Console Recoup
console-document-title-queue = File d’examen · Console Recoup
console-sandbox = Bac à sable
console-signed-in-as = Connecté en tant que { $actor }
console-sign-out = Se déconnecter
console-starting = Connexion au serveur…
console-sign-in-title = Connexion à la console d’examen
console-sign-in-intro = Collez un identifiant d’administration, ou le jeton d’administration du serveur.
console-credential = Identifiant d’administration
console-sign-in = Se connecter
console-signing-in = Connexion…
console-sign-in-empty = Collez votre identifiant d’administration pour vous connecter.
console-error-network = Le serveur est injoignable. Vérifiez qu’il fonctionne et que vous êtes en ligne, puis réessayez.
console-error-gateway = Le serveur est injoignable (HTTP { $status } de la part du serveur placé devant lui). Réessayez dans un instant.
console-error-bad-answer = Le serveur a envoyé une réponse que la console ne sait pas lire (HTTP { $status }).
console-error-wrong-credential = Cet identifiant n’a pas été accepté : il est erroné, ou il a été révoqué.
console-error-session-ended = Votre session a pris fin ; reconnectez-vous.
console-error-csrf = Le serveur a refusé la requête, faute de pouvoir vérifier sa provenance. Rechargez la page et réessayez.
console-error-rate-limited = Trop de tentatives. Attendez une minute, puis réessayez.
console-error-unavailable = Le serveur est indisponible pour le moment. Réessayez dans un instant.
console-error-status = Le serveur a refusé la requête ({ $code }, HTTP { $status }).
console-error-internal = Un problème est survenu dans la console. Rechargez la page.
console-error-internal-detail = Un problème est survenu dans la console ({ $detail }). Rechargez la page.
console-filters = Filtres
console-filters-on = Filtres (actifs)
console-filter-feature = Fonction
console-filter-any-feature = Toutes les fonctions
console-filter-platform = Plateforme
console-filter-any-platform = Toutes les plateformes
console-filter-reason = Motif
console-filter-any-reason = Tous les motifs
console-filter-min-age = En attente depuis au moins, heures
console-filter-max-age = En attente depuis au plus, heures
console-filter-age-any = toutes
console-filter-age-invalid = Saisissez les durées en heures entières, de 0 à { $max }.
console-filter-age-order = L’attente la plus longue ne peut pas être plus courte que la plus courte.
console-filter-order = Ordre
console-order-oldest = Les plus anciens d’abord
console-order-newest = Les plus récents d’abord
console-filter-clear = Effacer les filtres
console-queue-title = File d’examen
console-waiting = { $count ->
    [one] { $count } signalement en attente
   *[other] { $count } signalements en attente
}
console-queue-list = Signalements en attente d’une décision
console-queue-empty = Aucun signalement n’attend d’examen.
console-queue-empty-filtered = Aucun signalement en attente ne correspond à ces filtres.
console-loading = Chargement…
console-retry = Réessayer
console-row-waiting = en attente depuis { $age }
console-row-submitted = signalé { $when }
console-pages = Pages
console-page = Page { $page }
console-page-previous = Page précédente
console-page-next = Page suivante
console-item = Le signalement sélectionné
console-back = Retour à la liste
console-loading-item = Chargement du signalement…
console-nothing-selected = Sélectionnez un signalement dans la liste pour l’examiner.
console-nothing-selected-empty = La file est vide.
console-item-meta = { $platform } · { $surface } · { $media } · { $credits }
console-item-times = Signalé { $submitted }, en attente depuis { $age }
console-item-finished = Génération terminée { $when }
console-output = Le résultat
console-output-gone = Le résultat n’existe plus : il n’a pas été conservé, ou il a été supprimé.
console-output-failed = Le résultat n’a pas pu être chargé.
console-output-open = Ouvrir le résultat
console-output-alt = Le résultat { $feature } signalé par l’utilisateur
console-output-type = { $type }, { $size }
console-user-words = Ce qu’a dit l’utilisateur
console-user-reason = Motif : { $reason }
console-user-words-none = L’utilisateur n’a rien écrit de plus.
console-findings = Les constats de l’inspection
console-findings-none = Aucun constat n’a été enregistré pour ce résultat.
console-policy = La décision de la politique
console-policy-eligible = Remboursable
console-policy-rule = Règle
console-policy-version = Version de la politique
console-policy-window = Fin du délai de remboursement
console-policy-window-none = Sans limite de temps
console-yes = Oui
console-no = Non
console-account = Le compte
console-account-id = Compte
console-account-available = Disponibles maintenant
console-account-reports = Signalements au total
console-account-refunds = Remboursés au total
console-recent-caption = Les derniers signalements du compte, du plus récent au plus ancien
console-recent-submitted = Signalé
console-recent-feature = Fonction
console-recent-reason = Motif
console-recent-outcome = Issue
console-recent-refunded = Crédits remboursés
console-recent-none = Aucun autre signalement de ce compte.
console-outcome-refunded = Remboursé
console-outcome-not-refunded = Non remboursé
console-outcome-in-review = En examen
console-outcome-unknown = Pas encore connue
console-decision = Décision
console-note = Note pour le journal d’audit (facultative)
console-note-count = { $used } / { $max }
console-note-placeholder = Pourquoi vous avez décidé ainsi
console-note-hint = { $max } caractères au plus.
console-approve = { $count ->
    [one] Accepter (rembourser { $count } crédit)
   *[other] Accepter (rembourser { $count } crédits)
}
console-reject = Refuser
console-deciding = Enregistrement de la décision…
console-decided-refunded = { $count ->
    [one] { $count } crédit remboursé
   *[other] { $count } crédits remboursés
}
console-decided-rejected = Refusé
console-keys-title = Touches du clavier
console-keys-typing = Les touches sont sans effet pendant la saisie dans un champ, sauf Échap, qui permet d’en sortir.
console-key-next = signalement suivant
console-key-previous = signalement précédent
console-key-approve = accepter
console-key-reject = refuser
console-key-note = écrire une note
console-key-leave = quitter la note
console-key-help = toutes les touches
console-key-or = ou
console-key-escape = Échap
console-close = Fermer
console-feature-virtual-model = Mannequin virtuel
console-feature-flat-lay = Vue à plat
console-feature-ghost-mannequin = Mannequin invisible
console-feature-edit-with-ai = Retouche par IA
console-feature-recolor = Recoloration
console-feature-product-beautifier = Embellisseur de produit
console-feature-ironing = Repassage
console-feature-video-generator = Générateur de vidéo
console-feature-logo = Logo
console-feature-text = Texte
console-feature-create-any-image = Créer une image
console-feature-instagram-story = Story Instagram
console-feature-ai-backgrounds = Arrière-plans IA
console-feature-ai-shadows = Ombres IA
console-feature-image-enhancer = Amélioration d’image
console-feature-ai-expand = Extension IA
console-feature-retouch = Retouche
console-feature-studio-shot = Photo studio
console-platform-ios = iOS
console-platform-android = Android
console-platform-web = Web
console-surface-editor = éditeur
console-surface-batch-editor = éditeur par lots
console-surface-product-catalog = catalogue produits
console-media-image = image
console-media-video = vidéo
console-reason-artifacts-or-distortions = Artefacts ou déformations
console-reason-wrong-subject = Mauvais sujet
console-reason-ignored-prompt = Demande non suivie
console-reason-blank-or-corrupted = Vide ou corrompu
console-reason-other = Autre
console-verdict-usable = utilisable
console-verdict-blank = vide
console-verdict-corrupt = corrompu
console-verdict-truncated = tronqué
console-verdict-noise = bruit
console-verdict-uninspectable = impossible à inspecter

console-tabs = Sections de la console
console-tab-reviews = Examens
console-tab-policy = Politique
console-tab-insights = Indicateurs
console-tab-accounts = Comptes
console-document-title-policy = Politique · Console Recoup
console-document-title-insights = Indicateurs · Console Recoup
console-document-title-accounts = Comptes · Console Recoup
console-chart-tooltip = { $series } : { $value }

## Console : la politique (screens/Policy.svelte, components/PolicyTable.svelte, policy.ts)

console-policy-title = Politique de remboursement
console-policy-in-force = En vigueur : version { $version }, publiée le { $when } par { $who }.
console-policy-in-force-unsigned = En vigueur : version { $version }, publiée le { $when } (le journal d’audit ne dit pas par qui : le point d’accès publie sa politique intégrée à son premier démarrage).
console-policy-in-force-builtin = En vigueur : la politique intégrée ({ $version }) ; rien n’a encore été publié.
console-policy-by-unknown = non enregistré
console-policy-published = Version { $version } publiée et signée. Elle est en vigueur ; les appareils la reçoivent à leur prochaine synchronisation.
console-policy-signature = Signature (Ed25519, base64)
console-policy-draft-title = Brouillon
console-policy-draft-hint = Modifiez le brouillon ci-dessous, puis vérifiez ses changements par rapport à la version en vigueur ; la publication vient après la vérification.
console-policy-viewing-title = Version { $version } (lecture seule)
console-policy-viewing-meta-unsigned = Publiée le { $when } (le journal d’audit ne dit pas par qui). Votre brouillon est conservé.
console-policy-viewing-meta = Publiée le { $when } par { $who }. Votre brouillon est conservé.
console-policy-use-draft = En faire le brouillon
console-policy-back-to-draft = Retour au brouillon
console-policy-version-label = Libellé de version
console-policy-version-hint = Chaque publication a besoin de son propre libellé.
console-policy-version-empty = Donnez un libellé de version au brouillon.
console-policy-version-taken = { $version } est le libellé d’une version publiée ; la publication en demande un nouveau.
console-policy-version-use = Utiliser { $version }
console-policy-check = Vérifier les changements
console-policy-checking = Vérification…
console-policy-upload = Charger un document
console-policy-download = Télécharger
console-policy-reset = Revenir à la version en vigueur
console-policy-no-changes = Aucun changement pour l’instant
console-policy-change-count = { $count ->
    [one] { $count } changement
   *[other] { $count } changements
}
console-policy-invalid-fields = Corrigez les champs qui affichent une erreur avant la vérification.
console-policy-stale = Quelqu’un a publié une autre version pendant que vous vérifiiez ce brouillon. Votre brouillon est conservé : vérifiez-le de nouveau par rapport à la version désormais en vigueur.
console-policy-review-again = Vérifier de nouveau
console-policy-diff-title = Changements par rapport à la version { $version } (en vigueur)
console-policy-diff-title-builtin = Changements par rapport à la politique intégrée (en vigueur)
console-policy-diff-empty = Ce brouillon ne change rien d’autre que son libellé de version.
console-policy-publish = Publier la version { $version }
console-policy-publishing = Publication et signature…
console-policy-publish-needs-version = Donnez un nouveau libellé de version au brouillon pour le publier.
console-policy-check-outdated = Le brouillon a changé depuis sa vérification : vérifiez de nouveau les changements pour le publier.
console-policy-history-title = Historique
console-policy-history-empty = Aucune version n’a encore été publiée : la politique intégrée est en vigueur.
console-policy-col-version = Version
console-policy-col-published = Publiée
console-policy-col-by = Par
console-policy-col-actions = Actions
console-policy-in-force-badge = En vigueur
console-policy-view = Afficher
console-policy-view-version = Afficher la version { $version }
console-policy-upload-too-big = { $name } est trop volumineux pour un document de politique ({ $max } ko au plus).
console-policy-upload-unreadable = { $name } n’a pas pu être lu ({ $detail }).
console-policy-upload-failed = { $name } n’a pas été chargé ; le brouillon est inchangé. { $detail }
console-policy-upload-field = Le fichier n’est pas un document de politique : { $field } doit être { $expected }.
console-policy-upload-unknown = Le fichier n’est pas un document de politique : { $field } ne fait pas partie de ses champs.
console-policy-upload-missing = Le fichier n’est pas un document de politique : { $field } manque.
console-policy-upload-not-json = Le fichier n’est pas du JSON : { $detail }
console-policy-upload-not-object = Le fichier n’est pas un document de politique : il devrait contenir un objet JSON.
console-policy-expect-text = du texte
console-policy-expect-whole = un nombre entier positif ou nul
console-policy-expect-flag = true ou false
console-policy-expect-object = un objet JSON
console-policy-expect-surfaces = une liste de noms de surfaces
console-policy-path-surface = Surfaces exclues · { $surface }
console-policy-path-safeguards = Garde-fous · { $what }
console-policy-path-claim-text = Texte du signalement · { $what }
console-policy-refund-window = Délai de remboursement
console-policy-late-grace = Délai de grâce des signalements tardifs
console-policy-late-grace-hint = Durée après la fin du délai pendant laquelle un signalement fait à temps mais arrivé en retard (appareil hors ligne) est encore honoré ; 0 la désactive.
console-policy-one-claim = Un seul signalement par génération
console-policy-safeguard-window = Période des garde-fous
console-policy-refunds-max = Remboursements au plus par compte sur la période
console-policy-share-max = Part remboursée maximale des crédits dépensés (%)
console-policy-share-min-spent = Crédits dépensés avant que la part ne compte
console-policy-details-min = Nombre minimal de caractères de détails
console-policy-details-max = Nombre maximal de caractères de détails
console-policy-duration-off = désactivé
console-policy-value-absent = absent
console-policy-refundable = remboursable
console-policy-not-refundable = non remboursable
console-policy-excluded = exclue
console-policy-not-excluded = non exclue
console-policy-chars = { $count ->
    [one] { $count } caractère
   *[other] { $count } caractères
}
console-policy-change = { $where } : { $before } → { $after }
console-policy-features-title = Fonctions remboursables
console-policy-features-hint = Cochez une case pour rendre la fonction remboursable sur cette plateforme.
console-policy-features-hint-readonly = ✓ remboursable, – non remboursable.
console-policy-col-feature = Fonction
console-policy-cell-label = { $feature } sur { $platform } : remboursable
console-policy-cell-state = { $feature } · { $platform } : { $state }
console-policy-was = Modifié ; en vigueur : { $value }
console-policy-legend = modifié par rapport à la version en vigueur
console-policy-rules-title = Règles et limites
console-policy-excluded-title = Surfaces exclues
console-policy-excluded-hint = Aucun outil d’IA utilisé dans ces surfaces n’est remboursable.
console-policy-excluded-none = aucune
console-policy-safeguards-title = Garde-fous
console-policy-safeguards-hint = Limites contre les abus, comptées par compte sur la période.
console-policy-claim-text-title = Texte du signalement
console-policy-unit = Unité de { $field }
console-policy-unit-hours = heures
console-policy-unit-days = jours
console-policy-duration-invalid = Saisissez un nombre d’heures ou de jours, positif ou nul.
console-policy-number-invalid = Saisissez un nombre entier positif ou nul.
console-policy-number-invalid-max = Saisissez un nombre entier de 0 à { $max }.

## Console : les indicateurs (screens/Insights.svelte, components/ChartPanel.svelte, insightTables.ts)

console-insights-title = Indicateurs
console-insights-period = { $from } – { $to }
console-insights-picker = Période et filtres
console-insights-presets = Périodes prédéfinies
console-insights-preset = { $days ->
    [one] { $days } jour
   *[other] { $days } jours
}
console-insights-from = Du
console-insights-to = Au
console-insights-apply = Afficher cette période
console-insights-from-invalid = Choisissez un premier jour (une date).
console-insights-to-invalid = Choisissez un dernier jour (une date).
console-insights-period-order = Le premier jour ne peut pas venir après le dernier.
console-insights-period-too-long = Une période couvre au plus { $max } jours : choisissez-en une plus courte.
console-insights-loading = Chargement des indicateurs…
console-insights-totals = Totaux sur la période
console-insights-summary = { $period } : signalements { $reports }, générations livrées { $delivered }, taux de mauvais résultats { $rate }.
console-insights-rate = Taux de mauvais résultats
console-insights-rate-none = aucune génération livrée
console-insights-empty = Aucun signalement sur cette période.
console-insights-empty-narrowed = Aucun signalement sur cette période pour la fonction et la plateforme choisies.
console-insights-chart-rate = Taux de mauvais résultats par jour
console-insights-chart-rate-summary = Taux de mauvais résultats par jour, { $period } ; sur toute la période : { $rate }.
console-insights-chart-refunded = Crédits remboursés par jour
console-insights-chart-refunded-summary = Crédits remboursés par jour, { $period } ; { $credits } au total.
console-insights-chart-decisions = Décisions par jour
console-insights-chart-decisions-summary = Décisions par jour, { $period } : { $auto } remboursés d’office, { $autoRefused } refusés d’office, { $reviewed } remboursés après examen, { $reviewedRefused } refusés après examen.
console-insights-chart-reasons = Motifs donnés
console-insights-chart-reasons-summary = Signalements par motif, { $period } ; { $count ->
    [one] { $count } motif donné
   *[other] { $count } motifs donnés
}.
console-insights-show-table = Afficher en tableau
console-insights-hide-table = Afficher en graphique
console-insights-csv = CSV
console-insights-csv-label = Télécharger « { $table } » en CSV
console-insights-chart-failed = Le graphique n’a pas pu être tracé ; ses chiffres sont dans le tableau.
console-insights-col-day = Jour
console-insights-col-delivered = Livrées
console-insights-col-reports = Signalements
console-insights-col-rate = Taux de mauvais résultats (%)
console-insights-col-refunded-credits = Crédits remboursés
console-insights-refunded-auto = Remboursés d’office
console-insights-refused-auto = Refusés d’office
console-insights-refunded-reviewed = Remboursés après examen
console-insights-refused-reviewed = Refusés après examen
console-insights-col-sent-to-review = Envoyés en examen
console-insights-col-refused = Refusés
console-insights-col-feature = Fonction
console-insights-col-platform = Plateforme
console-insights-col-reason = Motif
console-insights-cells-title = Fonctions et plateformes
console-insights-cells-hint = Chaque fonction et plateforme ayant une activité sur la période, le taux de mauvais résultats le plus élevé d’abord ; la fonction et la plateforme choisies plus haut ne filtrent pas ce tableau.
console-insights-cells-empty = Rien n’a été livré ni signalé sur cette période.
console-insights-near-title = Comptes proches des limites des garde-fous
console-insights-near-hint = Sur la période des garde-fous de la politique, jusqu’à maintenant : au plus { $refunds ->
    [one] { $refunds } remboursement
   *[other] { $refunds } remboursements
}, et des remboursements d’au plus { $share } % des crédits dépensés dès qu’un compte a dépensé { $spent }.
console-insights-near-empty = Aucun compte n’est proche des limites.
console-insights-col-account = Compte
console-insights-col-subject = Identifiant de connexion
console-insights-col-refunds = Remboursements sur la période
console-insights-col-refunds-max = Remboursements au plus
console-insights-col-spent-credits = Crédits dépensés
console-insights-col-closeness = Proximité de la limite (%)
console-insights-of = { $value } sur { $max }
console-insights-refunded-of-spent = { $refunded } sur { $spent } dépensés
console-insights-closeness-label = Proximité de { $account } à une limite

## Console : les comptes (screens/Accounts.svelte, components/AccountView.svelte, components/GrantForm.svelte, accounts.ts)

console-accounts-title = Comptes
console-accounts-search-label = Identifiant de compte ou de connexion
console-accounts-search-placeholder = p. ex. user-1234, ou un identifiant de compte
console-accounts-search = Rechercher
console-accounts-search-hint = Un identifiant de compte complet, ou le début d’un identifiant de connexion. Entrée ouvre le compte quand un seul correspond.
console-accounts-searching = Recherche…
console-accounts-found = { $more ->
    [yes] Plus de { $count } comptes correspondent
   *[no] { $count ->
        [one] { $count } compte correspond
       *[other] { $count } comptes correspondent
    }
}
console-accounts-none = Aucun compte ne correspond à « { $q } ».
console-accounts-more = D’autres comptes correspondent : saisissez davantage de l’identifiant.
console-accounts-start = Saisissez un identifiant de compte ou le début d’un identifiant de connexion pour trouver un compte.
console-accounts-no-subject = sans identifiant de connexion
console-accounts-disabled = Désactivé
console-accounts-created = créé le { $when }
console-accounts-back = ← Retour à la recherche
console-account-missing = Aucun compte n’a l’identifiant { $id }. Vérifiez l’identifiant, ou cherchez le compte par son identifiant de connexion.
console-account-created = Créé
console-account-disabled-at = Désactivé le
console-account-shown = Compte { $name } affiché.
console-account-balances = Soldes
console-account-balance-available = Disponibles
console-account-balance-held = Réservés
console-account-balance-granted = Accordés
console-account-balance-spent = Dépensés
console-account-balance-refunded = Remboursés
console-account-balance-expired = Expirés
console-account-grants = Attributions
console-account-grants-none = Aucune attribution.
console-account-col-kind = Type
console-account-col-credits = Crédits
console-account-col-available = Disponibles
console-account-col-granted = Accordée
console-account-col-expires = Expire
console-account-col-live = État
console-account-col-note = Note
console-account-col-seq = Écriture
console-account-col-generation = Génération
console-account-col-when = Date
console-account-never = jamais
console-account-live = Utilisable
console-account-spent-or-expired = Épuisée ou expirée
console-account-ledger = Grand livre
console-account-ledger-none = Aucune écriture.
console-account-latest = { $count ->
    [one] La dernière écriture.
   *[other] Les { $count } dernières écritures, de la plus récente à la plus ancienne.
}
console-account-reports-title = Signalements
console-account-reports-none = Aucun signalement de ce compte.
console-grant-title = Accorder des crédits
console-grant-credits = Crédits
console-grant-credits-hint = De 1 à { $max }.
console-grant-kind = Type
console-grant-expires = Expire dans, en jours (facultatif)
console-grant-expires-hint = Vide : jamais. Au plus { $max } jours.
console-grant-expires-never = jamais
console-grant-note = Note pour l’attribution et le journal d’audit
console-grant-note-placeholder = Pourquoi ces crédits sont accordés
console-grant-submit = Accorder…
console-grant-confirm-question = { $count ->
    [one] Accorder { $count } crédit à { $name } ({ $kind }) ?
   *[other] Accorder { $count } crédits à { $name } ({ $kind }) ?
}
console-grant-never-expires = N’expire jamais
console-grant-expires-in = { $days ->
    [one] Expire dans { $days } jour
   *[other] Expire dans { $days } jours
}
console-grant-confirm = { $count ->
    [one] Accorder { $count } crédit
   *[other] Accorder { $count } crédits
}
console-grant-cancel = Annuler
console-grant-granting = Attribution…
console-grant-done = { $count ->
    [one] { $count } crédit accordé à { $name }.
   *[other] { $count } crédits accordés à { $name }.
}
console-grant-credits-invalid = Saisissez un nombre entier de crédits de 1 à { $max }.
console-grant-kind-invalid = Choisissez un type d’attribution.
console-grant-expires-invalid = Saisissez un nombre entier de jours de 1 à { $max }, ou laissez vide pour ne jamais expirer.
console-grant-note-required = Écrivez pourquoi vous accordez ces crédits ; la note accompagne l’attribution et va au journal d’audit.
console-grant-note-too-long = La note est trop longue : { $max } caractères au plus.
