# Les messages qu'écrit le cœur de l'application (l'interface a ses propres catalogues dans
# ui/src/locales). Chaque identifiant est aussi dans en.ftl (un test le vérifie).

## La ligne d'un signalement, avant et après la décision du serveur

claim-refunded = Remboursement accordé : { $credits ->
    [one] { $credits } crédit
   *[other] { $credits } crédits
}
claim-not-refunded = Merci pour votre retour
claim-in-review = Merci : votre signalement est en cours d’examen, nous vous informerons de la décision
claim-queued-refundable = Signalement en attente : il peut être remboursé ; la décision arrivera à la prochaine synchronisation
claim-queued-feedback = Signalement en attente, comme simple retour : il ne peut pas être remboursé (voir pourquoi ci-dessus)

## Pourquoi un signalement ne peut pas être remboursé

reason-technical-failure = Cette génération a échoué pour une raison technique : ses crédits n’ont jamais été débités et sont restés dans votre forfait. Aucun remboursement n’est nécessaire.
reason-not-finished = Cette génération est encore en cours. Signalez-la une fois terminée.
reason-feature = Les résultats de { $feature } ne sont pas remboursables sur { $platform }.
reason-surface = Les outils d’IA utilisés dans { $surface } ne sont pas remboursables.
reason-window = Le délai pour signaler ce résultat a pris fin le { $closes } ({ $window } après la fin de la génération).
reason-already-claimed = Ce résultat a déjà été signalé. Une seule demande de remboursement est acceptée par génération.
reason-refunds-max = Vous avez atteint la limite de { $max ->
    [one] { $max } remboursement
   *[other] { $max } remboursements
} sur { $window }.
reason-share = Les remboursements dépasseraient { $percent } % des crédits dépensés sur { $window }.

## Les durées de ces raisons

duration-days = { $n ->
    [one] { $n } jour
   *[other] { $n } jours
}
duration-hours = { $n ->
    [one] { $n } heure
   *[other] { $n } heures
}
duration-minutes = { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
}

duration-seconds = { $n ->
    [one] { $n } seconde
   *[other] { $n } secondes
}


## Erreurs : les phrases d’une AppError (le `code` ne change pas ; recoup-device, recoup-sync,
## recoup-app et le shell les écrivent avec `sentence!`). Les valeurs venues de l’extérieur
## (chemins, identifiants, ce qu’ont dit le système ou le serveur, ce qu’a saisi l’utilisateur)
## arrivent en variables et ne sont pas traduites.

# Une saisie refusée : le champ tel que la requête le nomme, puis le problème.
error-input = { $field } : { $problem }
error-file = impossible d’utiliser le fichier { $path } : { $cause }
error-limit-range = doit être compris entre 1 et { $max }
error-rate-range = doit être compris entre 0 et 1

# La base de données locale
error-store-corrupt = la base de données { $path } est endommagée ou n’est pas une base Recoup ({ $detail }) ; mettez-la de côté pour repartir de zéro, ou restaurez-la depuis une sauvegarde
error-store-io = impossible d’utiliser le fichier de base de données { $path } : { $detail } ; vérifiez que son disque a de la place et accepte l’écriture, puis réessayez (rien n’a été écrit)
error-store-full = le disque qui contient { $path } est plein : libérez-y de la place, puis réessayez (rien n’a été écrit)
error-store-too-new = le schéma de la base de données est en version { $found }, plus récente que ce que comprend ce Recoup ({ $supported }) ; mettez Recoup à jour
error-busy = la base de données locale est occupée par une autre écriture ; réessayez dans un instant
error-store-sqlite = erreur de stockage : { $detail }
error-store-migration = impossible de mettre à jour le schéma de la base de données : { $detail }
error-store-decode = des données enregistrées sont illisibles : { $detail }
error-storage = la base de données locale a échoué : { $cause }. Vos données sont intactes ; réessayez, et si le problème persiste, gardez le dossier de données pour le support
error-not-found = { $what ->
    [generation] aucune génération
    [claim] aucun signalement
    [grant] aucune attribution de crédits
   *[other] aucun élément « { $what } »
} avec l’identifiant { $id }
error-op-reused = l’opération { $op } a déjà servi pour une autre requête ; créez un nouvel identifiant pour une nouvelle opération
error-insufficient-credits = crédits insuffisants : il en faut { $needed }, { $available ->
    [one] { $available } est disponible
   *[other] { $available } sont disponibles
}
error-invalid-amount = montant invalide { $amount } : { $why }
error-refund-exceeds-charge = un remboursement de { $requested ->
    [one] { $requested } crédit
   *[other] { $requested } crédits
} dépasse { $charged ->
    [one] le { $charged } crédit débité
   *[other] les { $charged } crédits débités
}
error-document-malformed = { $document } n’est pas du JSON valide (ligne { $line }, colonne { $column }) : { $detail }
error-document-invalid = { $document }, champ `{ $field }` : { $problem }
error-details-too-short = les détails sont trop courts : { $len ->
    [one] { $len } caractère
   *[other] { $len } caractères
}, il en faut au moins { $min } pour dire ce qui ne va pas
error-details-too-long = les détails sont trop longs : { $len ->
    [one] { $len } caractère
   *[other] { $len } caractères
}, { $max } au plus sont acceptés
error-details-control = les détails contiennent un caractère de contrôle (seuls le texte, les retours à la ligne et les tabulations sont acceptés)
error-generation-running = la génération { $generation } est encore en cours : signalez-la une fois terminée
error-generation-failed = la génération { $generation } a échoué pour une raison technique : ses crédits n’ont jamais été débités et sont restés dans votre forfait, il n’y a rien à rembourser
error-already-claimed = la génération { $generation } a déjà été signalée (signalement { $claim }) ; une seule demande de remboursement est acceptée par génération
error-generation-exists = la génération { $generation } existe déjà avec d’autres réglages
error-hold-settled = la génération { $generation } est déjà terminée : sa réservation a été { $outcome ->
    [captured] débitée
    [voided] annulée
    [expired] libérée à expiration
   *[other] { $outcome }
}
error-already-refunded = la génération { $generation } a déjà été remboursée
error-not-charged = la génération { $generation } n’a pas été débitée, elle ne peut donc pas être remboursée
error-store-input = { $field } invalide : { $problem }
error-invariant = invariant du registre rompu (une anomalie) : { $detail }

# Le serveur et le réseau. Le refus du serveur lui-même ($refusal) reste dans la langue du serveur.
error-offline = vous êtes hors ligne (le réseau est coupé) ; { $queued ->
    [one] { $queued } signalement attend et partira
   *[other] { $queued } signalements attendent et partiront
} à votre retour en ligne
error-token-refused = le serveur a refusé le jeton de cet appareil ({ $refusal }) ; reliez de nouveau cet appareil au serveur
error-sync-config = réglages de synchronisation invalides : { $problem }
error-transport-connect = impossible de se connecter au serveur : { $detail }
error-transport-timeout = le serveur n’a pas répondu à temps : { $detail }
error-transport-broken = la connexion au serveur a été interrompue : { $detail }
error-transport-invalid = requête invalide : { $detail }
error-endpoint-unreachable = le serveur est injoignable ({ $cause }) ; vérifiez la connexion, vos signalements sont conservés et seront envoyés plus tard
error-endpoint-unreadable = la réponse du serveur (HTTP { $status }) est illisible : { $detail }
error-endpoint-refused = le serveur a refusé : { $refusal }
error-generation-not-run = la génération { $generation } n’a pas été lancée sur le serveur : { $cause }

# La liaison à un serveur
error-url-https = doit commencer par https:// (ou http:// pour un serveur sur cette machine)
error-url-insecure = { $url } n’est pas en https:// : un hôte distant doit être joint en https:// (http:// simple seulement pour 127.0.0.1, ::1 ou localhost)
error-already-linked = ce dossier de données ne peut pas être relié comme demandé : { $detail }
error-linked-elsewhere = il est relié à { $url }
error-linked-account = il est relié au compte { $account } ; connectez-vous avec le jeton de ce compte, ou prenez un nouveau dossier de données pour un nouveau compte
error-linked-other-account = il est relié au compte { $linked }, et ce jeton est celui du compte { $account }
error-local-ledger = ce dossier de données a déjà un registre local (créé avec `recoup grant`/`recoup generate` avant la liaison) ; un dossier relié reflète le registre du serveur et doit partir vide, il n’a donc pas été relié
error-key-mismatch = la clé de signature des règles du serveur n’est pas celle attendue ; rien n’a été relié ni modifié

# L’application
error-not-linked = cet appareil n’est relié à aucun serveur ; connectez-vous dans les Réglages (tout continue de fonctionner sur cet appareil en attendant)
error-no-account = ce profil n’a pas de compte ; reconnectez-vous au serveur dans les Réglages
error-token-missing = le jeton de cet appareil est introuvable (ni dans le trousseau ni dans le dossier du profil) ; reconnectez-vous au serveur dans les Réglages
error-switching = l’application change de serveur ; réessayez dans un instant
error-no-embedded-endpoint = cette version n’a pas de serveur intégré (les versions mobiles se connectent à un serveur distant) ; connectez-vous dans les Réglages
error-embedded-not-started = le serveur intégré n’a pas démarré
error-embedded-data = le serveur intégré n’a pas pu ouvrir ses données dans { $dir } : { $cause }
error-embedded-runtime = impossible de démarrer l’environnement d’exécution du serveur intégré : { $cause }
error-embedded-listen = le serveur intégré ne peut pas écouter en boucle locale : { $cause }
error-embedded-thread = impossible de démarrer le fil d’exécution du serveur intégré : { $cause }
error-embedded-admin-token = le jeton d’administration du serveur intégré : { $cause }
error-sync-thread = impossible de démarrer le fil de synchronisation : { $cause }
error-not-an-account-id = « { $value } » n’est pas un identifiant de compte
error-unusable-url = « { $url } » n’est pas une adresse de serveur utilisable ({ $cause })
error-not-a-generation-id = « { $value } » n’est pas un identifiant de génération ({ $cause })
error-language = « { $value } » n’est pas une langue que parle Recoup ; choisissez parmi : { $choices }
error-no-output = cette génération n’a pas de résultat (elle a échoué ou est encore en cours)
error-output-offline = le résultat n’est pas encore sur cet appareil et vous êtes hors ligne
error-data-folder = impossible de créer le dossier de données : { $cause }
error-settings-invalid = ce ne sont pas des réglages valides ({ $cause }) ; corrigez ou supprimez le fichier pour repartir de zéro
error-settings-json = erreur interne des réglages : { $detail }
error-clock-offset-range = doit rester entre −{ $max } et +{ $max } secondes (un an)
error-delay-range = doit être d’au plus { $max } ms
error-advance-range = doit être compris entre 1 et { $max } (un an)
error-sandbox-only = seul le serveur de test intégré à l’application accepte les commandes QA (taux du générateur, horloge de test, fichiers de règles) ; basculez dessus dans les Réglages
error-qa-mode-off = le mode QA est désactivé : activez-le dans les Réglages pour utiliser les commandes QA ; rien n’a été modifié
error-policy-refused = le fichier de règles a été refusé, rien n’a changé : { $cause }
error-chart-out-of-range = un jour du graphique du solde tombe hors des années 0000 à 9999
error-time = erreur interne de date : { $detail }

# Liens recoup://
error-link = { $why }. Recoup ouvre les liens de la forme recoup://generations/<id>/report
error-link-too-long = le lien fait { $bytes ->
    [one] { $bytes } octet
   *[other] { $bytes } octets
}, ce n’est pas un lien Recoup
error-link-not-a-link = « { $link } » n’est pas un lien ({ $cause })
error-link-scheme = « { $link } » est un lien { $scheme }:, pas un lien Recoup
error-link-query = « { $link } » contient une requête ou un fragment que Recoup ne lit pas
error-link-unknown = « { $link } » n’est pas un lien que Recoup connaît
error-link-not-here = Le lien désigne la génération { $id }, qui n’est pas dans le compte de cet appareil. Elle appartient peut-être à un autre compte, ou n’est pas encore arrivée sur cet appareil : synchronisez (Synchro → Synchroniser) puis rouvrez le lien.

# Le shell de bureau
error-command-stopped = la commande s’est arrêtée : { $cause }
error-no-log-folder = Recoup n’écrit pas de fichiers journaux ici (la plateforme ne lui a donné aucun dossier de journaux)
error-open-folder = le gestionnaire de fichiers n’a pas ouvert { $folder } ({ $cause }) ; ouvrez ce dossier vous-même
error-no-file-manager = un téléphone n’a pas de gestionnaire de fichiers pour ouvrir { $folder } ; les journaux se lisent avec les outils de la plateforme
error-env-rate = « { $value } » n’est pas un taux entre 0 et 1
error-no-data-folder = la plateforme n’a donné aucun dossier de données à l’application ({ $cause }) ; définissez RECOUP_DATA_DIR

## Le dernier problème de l’écran de synchronisation

problem-error = { $error }
problem-policy-refused = le serveur a proposé une politique de remboursement que cet appareil a refusée ({ $reason }) ; la politique { $kept } reste en vigueur
problem-unreachable = le serveur est injoignable ({ $detail }) ; les signalements attendent sur cet appareil et partiront d’eux-mêmes dès qu’il répondra
problem-trouble = le serveur rencontre un problème ({ $detail }) ; l’application réessaie d’elle-même
problem-refused = le serveur a refusé une partie de la synchronisation : { $detail }

## Noms

platform-ios = iOS
platform-android = Android
platform-web = l’application Web
surface-editor = l’éditeur
surface-batch_editor = l’éditeur par lots
surface-product_catalog = l’éditeur de catalogue produits
feature-virtual_model = Mannequin virtuel
feature-flat_lay = Vue à plat
feature-ghost_mannequin = Mannequin invisible
feature-edit_with_ai = Retouche par IA
feature-recolor = Recoloration
feature-product_beautifier = Embellisseur de produit
feature-ironing = Repassage
feature-video_generator = Générateur de vidéo
feature-logo = Logo
feature-text = Texte
feature-create_any_image = Créer une image
feature-instagram_story = Story Instagram
feature-ai_backgrounds = Arrière-plans IA
feature-ai_shadows = Ombres IA
feature-image_enhancer = Amélioration d’image
feature-ai_expand = Extension IA
feature-retouch = Retouche
feature-studio_shot = Photo studio
claim-reason-artifacts_or_distortions = Artefacts ou déformations
claim-reason-wrong_subject = Mauvais sujet
claim-reason-ignored_prompt = Ma demande n’a pas été suivie
claim-reason-blank_or_corrupted = Résultat vide ou corrompu
claim-reason-other = Autre
entry-grant = attribution
entry-hold = réservation
entry-capture = débit
entry-void = annulation
entry-hold_expired = réservation expirée libérée
entry-refund = remboursement
entry-expire = expiration
