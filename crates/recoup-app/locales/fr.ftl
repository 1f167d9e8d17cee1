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

## Liens recoup://

link-not-here = Le lien désigne la génération { $id }, qui n’est pas dans le compte de cet appareil. Elle appartient peut-être à un autre compte, ou n’est pas encore arrivée sur cet appareil : synchronisez (Synchro → Synchroniser) puis rouvrez le lien.

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
